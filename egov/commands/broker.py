"""``egov broker``: the broker users of docs/security.md ("Broker users").

* ``egov broker permissions`` prints the permission table (shared.bus.permissions).
* ``egov broker definitions`` writes the RabbitMQ definitions file of deploy/compose.yaml: the
  operators' administrator ``egov`` and one user per service with its permissions, the
  passwords stored as RabbitMQ's salted hashes. The passwords are the compose file's
  ``BROKER_<USER>_PASSWORD`` variables, read from ``--env-file`` (``deploy/.env``) or the
  environment, else their laptop defaults; ``--generate`` first writes a random password to the
  env file (owner-only) for every variable it lacks. ``make broker-passwords`` runs it so.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Annotated, Any

import typer

from egov.broker import PASSWORD_VARIABLES, definitions
from shared.bus.permissions import permission_table
from shared.private_files import write_private

_DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
_PASSWORD_BYTES = 24


def build() -> typer.Typer:
    app = typer.Typer(help="The broker's users and permissions (docs/security.md).")
    app.command("permissions")(permissions)
    app.command("definitions")(write_definitions)
    return app


def permissions() -> None:
    """Print what each service's broker user may configure, write and read (Markdown)."""
    typer.echo(permission_table(), nl=False)


def write_definitions(
    out: Annotated[Path, typer.Option("--out", help="the definitions file to write")] = _DEPLOY
    / "rabbitmq"
    / "definitions.json",
    env_file: Annotated[
        Path | None,
        typer.Option("--env-file", help="read the BROKER_*_PASSWORD variables from this file"),
    ] = None,
    generate: Annotated[
        bool,
        typer.Option(
            "--generate", help="write a random password to --env-file for each one it lacks"
        ),
    ] = False,
) -> None:
    """Write the compose broker's definitions (users, permissions, exchanges); no password is
    printed."""
    if generate and env_file is None:
        typer.echo("egov broker definitions: --generate needs --env-file", err=True)
        raise typer.Exit(2)
    given = _read_env(env_file) if env_file is not None and env_file.exists() else {}
    if generate and env_file is not None:
        missing = [v for v, _ in PASSWORD_VARIABLES.values() if v not in given]
        if missing:
            fresh = {v: secrets.token_urlsafe(_PASSWORD_BYTES) for v in missing}
            text = env_file.read_text(encoding="utf-8") if env_file.exists() else ""
            if text and not text.endswith("\n"):
                text += "\n"
            text += "".join(f"{v}={p}\n" for v, p in fresh.items())
            write_private(env_file, text.encode("utf-8"))  # passwords: owner-only
            given |= fresh
            typer.echo(f"{len(fresh)} new password(s) in {env_file}")
    passwords = {
        user: given.get(variable) or os.environ.get(variable) or default
        for user, (variable, default) in PASSWORD_VARIABLES.items()
    }
    previous: dict[str, Any] | None = None
    if out.exists():
        previous = json.loads(out.read_text(encoding="utf-8"))
    text = json.dumps(definitions(passwords, previous), indent=2) + "\n"
    if previous is not None and out.read_text(encoding="utf-8") == text:
        typer.echo(f"{out}: unchanged")
        return
    # Read by the broker inside its container (another user): readable, holds hashes only.
    out.write_text(text, encoding="utf-8")
    typer.echo(f"{out}: written ({', '.join(sorted(passwords))})")


def _read_env(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        name, sep, value = line.strip().partition("=")
        if sep and not name.startswith("#"):
            values[name.strip()] = value.strip().strip("'\"")
    return values
