"""``make bench``: run the benchmarks, print their figures as tables and save them as JSON.

    python -m bench [--only NAME[,NAME]] [--quick | --smoke] [--out DIR] [--list]

Servers come from the same variables as the tests: ``EGOV_PG_DSN`` and ``EGOV_AMQP_URL`` (the
Makefile defaults them to the local servers). A benchmark whose server is not given is skipped
with the reason.

Each benchmark runs in its own process, so one's state (event loops, pools, caches, threads)
cannot flatter or slow another's figures; within it, ours and the references are measured in
the same process on the same servers (bench/harness.py). The run is saved as
``DIR/<UTC timestamp>.json`` and ``DIR/latest.json`` (default ``var/bench``), with the machine.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.harness import AMQP, PG, BenchConfig, Benchmark, Result, Size, ratios
from bench.machine import describe

#: Benchmark modules in running order. A module that does not exist (yet) is listed as missing.
MODULES = (
    "bench.eventlog_bench",
    "bench.gateway_bench",
    "bench.pki_bench",
    "bench.replay_bench",
    "bench.startup_bench",
    "bench.bus_publish",
    "bench.pages_bench",
    "bench.e2e_bench",
)

#: Seconds a benchmark may take before the harness stops it (a hung broker must not hang CI).
TIMEOUT = {Size.FULL: 480.0, Size.QUICK: 300.0, Size.SMOKE: 120.0}


def load(module: str) -> Benchmark | None:
    try:
        loaded = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name == module:
            return None
        raise
    benchmark: Benchmark = loaded.BENCHMARK
    return benchmark


def available() -> dict[str, tuple[str, Benchmark]]:
    found: dict[str, tuple[str, Benchmark]] = {}
    for module in MODULES:
        benchmark = load(module)
        if benchmark is not None:
            if benchmark.name in found:
                raise SystemExit(f"two benchmarks are named {benchmark.name!r}")
            found[benchmark.name] = (module, benchmark)
    return found


def _fmt(value: float) -> str:
    if value >= 1000:
        return f"{value:,.0f}"
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def table(title: str, rows: list[Result]) -> Table:
    shown = Table(title=title, title_justify="left", show_lines=False)
    for column, justify in (
        ("case", "left"),
        ("subject", "left"),
        ("value", "right"),
        ("unit", "left"),
        ("ours / reference", "left"),
    ):
        shown.add_column(column, justify=justify)  # type: ignore[arg-type]
    found = ratios(rows)
    for index, row in enumerate(rows):
        ratio = ", ".join(f"{v:.2f}x {k}" for k, v in found.get(index, {}).items())
        subject = f"{row.subject} (ref)" if row.reference else row.subject
        shown.add_row(row.case, subject, _fmt(row.value), row.metric, ratio)
    return shown


def markdown(report: dict[str, Any]) -> str:
    """A saved report's figures as Markdown tables, one per benchmark (for docs/performance.md)."""
    machine = report["machine"]
    git = machine.get("git") or {}
    lines = [
        f"Run {report['started_at']} ({report['size']}, {report['seconds']} s), "
        f"commit {str(git.get('commit'))[:10]}{' + local changes' if git.get('dirty') else ''}: "
        f"{machine['cpu']}, {machine['cores_logical']} cores, {machine['memory_gib']} GiB, "
        f"{machine['os']}, {machine['python']}, PostgreSQL {machine['postgresql']}, "
        f"RabbitMQ {machine['rabbitmq']}.",
        "",
    ]
    for run in report["benchmarks"]:
        heading = f"**{run['name']}**: {run['title']}"
        if run["status"] != "ok":
            lines += [f"{heading}: {run['status']} ({run.get('reason')})", ""]
            continue
        load = (run.get("load_average_at_start") or ["?"])[0]
        lines += [
            f"{heading} ({run['seconds']} s, load average {load} at its start)",
            "",
            "| case | subject | value | unit | ours / reference |",
            "|---|---|---:|---|---|",
        ]
        for row in run["results"]:
            subject = f"{row['subject']} (reference)" if row["reference"] else row["subject"]
            ratio = ", ".join(f"{v:.2f}x {k}" for k, v in (row.get("ratios") or {}).items())
            lines.append(
                f"| {row['case']} | {subject} | {_fmt(row['value'])} | {row['metric']} | {ratio} |"
            )
        lines.append("")
    return "\n".join(lines)


def run_child(module: str, config: BenchConfig) -> int:
    """In the child process: run one benchmark and write its rows where the parent said."""
    benchmark = load(module)
    if benchmark is None:
        raise SystemExit(f"no benchmark module {module}")
    rows = benchmark.run(config)
    target = os.environ["EGOV_BENCH_RESULT_FILE"]
    Path(target).write_text(json.dumps([row.to_json() for row in rows], ensure_ascii=False))
    return 0


def run_one(module: str, config: BenchConfig) -> tuple[str, list[Result], str | None]:
    """In the parent: run ``module`` in a child process; (status, rows, reason)."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        result_file = Path(handle.name)
    env = dict(os.environ, EGOV_BENCH_RESULT_FILE=str(result_file))
    command = [sys.executable, "-m", "bench", "--child", module, "--size", config.size.value]
    command += ["--workdir", str(config.workdir)]
    # Our own module names and fixed flags: nothing from outside reaches the command line. Its
    # own session, so that a benchmark stopped for taking too long takes the servers it
    # started (egov run, egov up's processes) down with it.
    child = subprocess.Popen(command, env=env, start_new_session=True)
    try:
        code = child.wait(timeout=TIMEOUT[config.size])
        if code != 0:
            return "failed", [], f"exit {code}"
        rows = [Result.from_json(r) for r in json.loads(result_file.read_text())]
        return "ok", rows, None
    except subprocess.TimeoutExpired:
        stop_group(child)
        return "failed", [], f"timed out after {TIMEOUT[config.size]:.0f} s"
    finally:
        if child.poll() is None:  # interrupted (Ctrl-C): leave nothing running
            stop_group(child)
        result_file.unlink(missing_ok=True)


def stop_group(child: subprocess.Popen[bytes]) -> None:
    """SIGTERM the child's process group, then SIGKILL whatever of it is left after 15 s."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        child.wait(timeout=15)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signal.SIGKILL)
    child.wait()


def save(out_dir: Path, report: dict[str, Any]) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.fromisoformat(report["started_at"]).strftime("%Y%m%dT%H%M%SZ")
    path = out_dir / f"{stamp}.json"
    text = json.dumps(report, ensure_ascii=False, indent=2)
    path.write_text(text)
    (out_dir / "latest.json").write_text(text)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated benchmark names (see --list)")
    sizes = parser.add_mutually_exclusive_group()
    sizes.add_argument("--quick", action="store_true", help="smaller counts, a look at one part")
    sizes.add_argument("--smoke", action="store_true", help="tiny counts: proves it runs")
    parser.add_argument("--out", type=Path, default=Path("var/bench"), help="where the JSON goes")
    parser.add_argument("--list", action="store_true", help="name the benchmarks and stop")
    parser.add_argument(
        "--markdown", type=Path, metavar="REPORT", help="print a saved report as Markdown and stop"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--size", choices=[s.value for s in Size], help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    pg_dsn = os.environ.get("EGOV_PG_DSN") or None
    amqp_url = os.environ.get("EGOV_AMQP_URL") or None
    if args.child:
        config = BenchConfig(pg_dsn, amqp_url, Size(args.size), args.workdir)
        return run_child(args.child, config)

    if args.markdown:
        try:
            print(markdown(json.loads(args.markdown.read_text(encoding="utf-8"))))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            parser.error(f"--markdown {args.markdown}: not a bench report ({exc!r})")
        return 0
    size = Size.SMOKE if args.smoke else Size.QUICK if args.quick else Size.FULL
    found = available()
    missing = [m for m in MODULES if m not in {module for module, _ in found.values()}]
    if args.list:
        for name, (module, benchmark) in found.items():
            print(f"{name:<10} {module:<22} {benchmark.title}")
        for module in missing:
            print(f"{'-':<10} {module:<22} (not written yet)")
        return 0
    chosen = list(found)
    if args.only:
        chosen = [name.strip() for name in args.only.split(",") if name.strip()]
        unknown = [name for name in chosen if name not in found]
        if unknown:
            parser.error(f"unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(found)}")

    # A pipe or a log gets wide tables too (rich would fold them at 80 columns).
    console = Console(width=None if sys.stdout.isatty() else 132)
    started = datetime.now(UTC)
    machine = describe(pg_dsn, amqp_url)
    console.print(
        f"[bold]bench[/] {size.value}: {machine['cpu']}, {machine['cores_logical']} cores, "
        f"{machine['memory_gib']} GiB, PostgreSQL {machine['postgresql']}, "
        f"RabbitMQ {machine['rabbitmq']}, load {machine['load_average_at_start']}"
    )
    given = {PG: pg_dsn, AMQP: amqp_url}
    variables = {PG: "EGOV_PG_DSN", AMQP: "EGOV_AMQP_URL"}
    servers = {PG: "PostgreSQL", AMQP: "RabbitMQ"}
    workdir = args.out / "work"
    runs: list[dict[str, Any]] = []
    all_rows: list[Result] = []
    for name in chosen:
        module, benchmark = found[name]
        lacking = sorted(variables[need] for need in benchmark.needs if not given.get(need))
        entry: dict[str, Any] = {"name": name, "module": module, "title": benchmark.title}
        if lacking:
            entry |= {"status": "skipped", "reason": f"{', '.join(lacking)} not set"}
            console.print(f"[yellow]skipped[/] {name}: {entry['reason']}")
            runs.append(entry)
            continue
        # A server given but not answering fails its benchmarks at once, instead of each one
        # waiting for it until its time runs out.
        down = [
            f"{servers[need]} {machine[servers[need].lower()]}"
            for need in sorted(benchmark.needs)
            if str(machine[servers[need].lower()]).startswith("unreachable")
        ]
        if down:
            entry |= {"status": "failed", "reason": "; ".join(down) + " at the start of the run"}
            console.print(f"[red]{name} failed[/]: {entry['reason']}")
            runs.append(entry)
            continue
        # The machine may be shared: what else ran is part of the figure's context.
        load_average = [round(x, 2) for x in os.getloadavg()]
        console.rule(f"{name}: {benchmark.title} (load average {load_average[0]})")
        began = time.perf_counter()
        config = BenchConfig(pg_dsn, amqp_url, size, workdir / name)
        try:
            status, rows, reason = run_one(module, config)
        finally:
            shutil.rmtree(workdir / name, ignore_errors=True)
        seconds = round(time.perf_counter() - began, 1)
        found_ratios = ratios(rows)
        entry |= {
            "status": status,
            "reason": reason,
            "seconds": seconds,
            "load_average_at_start": load_average,
            "results": [
                row.to_json() | {"ratios": found_ratios.get(i, {})} for i, row in enumerate(rows)
            ],
        }
        runs.append(entry)
        all_rows.extend(rows)
        if status == "ok":
            console.print(table(f"{benchmark.title} ({seconds} s)", rows))
        else:
            console.print(f"[red]{name} failed[/]: {reason}")
    shutil.rmtree(workdir, ignore_errors=True)

    finished = datetime.now(UTC)
    report = {
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": finished.isoformat(timespec="seconds"),
        "seconds": round((finished - started).total_seconds(), 1),
        "size": size.value,
        "command": "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": machine,
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "benchmarks": runs,
    }
    path = save(args.out, report)
    failed = [run["name"] for run in runs if run["status"] == "failed"]
    console.print(f"saved {path} and {args.out / 'latest.json'} ({report['seconds']} s in all)")
    if failed:
        console.print(f"[red]failed:[/] {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
