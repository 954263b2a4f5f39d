"""A description of the machine and servers a bench run measured on, saved beside its figures."""

from __future__ import annotations

import asyncio
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _git() -> dict[str, Any]:
    def git(*args: str) -> str:
        # Fixed arguments, our own checkout: nothing from outside reaches the command line.
        done = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False, timeout=10
        )
        return done.stdout.strip() if done.returncode == 0 else ""

    return {
        "commit": git("rev-parse", "HEAD") or None,
        "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
    }


async def _postgres_version(dsn: str) -> str:
    import asyncpg

    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        return str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()


async def _rabbitmq_version(url: str) -> str:
    import aio_pika

    connection = await aio_pika.connect(url, timeout=10)
    try:
        transport = connection.transport
        if transport is None:
            return "?"
        properties = transport.connection.server_properties
        version = properties.get("version", "?")
        return version.decode() if isinstance(version, bytes) else str(version)
    finally:
        await connection.close()


def _server(fetch: Any, target: str | None) -> str | None:
    if not target:
        return None
    try:
        return str(asyncio.run(fetch(target)))
    except Exception as exc:  # a description, not a check: say what failed
        return f"unreachable: {type(exc).__name__}: {exc}"


def describe(pg_dsn: str | None, amqp_url: str | None) -> dict[str, Any]:
    memory = psutil.virtual_memory()
    return {
        "cpu": _cpu_model(),
        "cores_logical": psutil.cpu_count(logical=True),
        "cores_physical": psutil.cpu_count(logical=False),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "memory_gib": round(memory.total / 2**30, 1),
        "os": platform.platform(),
        "python": f"{platform.python_implementation()} {sys.version.split()[0]}",
        "postgresql": _server(_postgres_version, pg_dsn),
        "rabbitmq": _server(_rabbitmq_version, amqp_url),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "git": _git(),
    }
