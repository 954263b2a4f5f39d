"""``egov signer``: the local signer a page reaches as it reaches NCALayer (docs/signer.md), and
``egov signer trust``: how to make a browser trust its ``wss://`` certificate."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from egov.signer.choosers import KeyChooser, TerminalChooser, Unattended
from egov.signer.keys import KeyFolder
from egov.signer.protocol import Protocol
from egov.signer.server import DEFAULT_HOST, DEFAULT_PORT, Listen, run_server
from egov.signer.tls import TlsFiles, ensure_certificate, fingerprint, server_context
from shared.clock import SystemClock
from shared.logging import configure_logging
from shared.private_files import PRIVATE_DIRECTORY
from shared.runtime import package_version


def default_state_dir() -> Path:
    """``$XDG_STATE_HOME/egov-signer``, else ``~/.local/state/egov-signer``: the signer is
    the user's own program, not one of the services' data."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "egov-signer"


StateDir = Annotated[
    Path | None,
    typer.Option(
        envvar="EGOV_SIGNER_STATE_DIR",
        help="where the signer keeps its TLS certificate [default: $XDG_STATE_HOME/egov-signer]",
    ),
]


def build() -> typer.Typer:
    app = typer.Typer(help="A local signer that speaks NCALayer's protocol (docs/signer.md).")
    app.callback(invoke_without_command=True)(signer)
    app.command("trust")(trust)
    return app


def signer(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="address to listen on")] = DEFAULT_HOST,
    port: Annotated[int, typer.Option(help="port (NCALayer's is 13579; 0 = any free)")] = (
        DEFAULT_PORT
    ),
    keys: Annotated[
        Path | None,
        typer.Option(
            envvar="EGOV_SIGNER_KEYS",
            file_okay=False,
            help="folder of your PKCS#12 key files (*.p12, *.pfx) [default: STATE_DIR/keys]",
        ),
    ] = None,
    state_dir: StateDir = None,
    insecure_ws: Annotated[
        bool, typer.Option("--insecure-ws", help="plain ws:// without TLS (tests only)")
    ] = False,
    choose: Annotated[
        str | None,
        typer.Option(
            envvar="EGOV_SIGNER_CHOOSE",
            help="unattended: sign every request with this key file (name, or certificate "
            "serial in hex) without asking; needs --password-file",
        ),
    ] = None,
    password_file: Annotated[
        Path | None,
        typer.Option(
            envvar="EGOV_SIGNER_PASSWORD_FILE",
            exists=True,
            dir_okay=False,
            help="unattended: the file holding the key file's password",
        ),
    ] = None,
    cancel: Annotated[
        bool,
        typer.Option("--cancel", help="unattended: answer every request as a user pressing Cancel"),
    ] = False,
    origin: Annotated[
        list[str] | None,
        typer.Option(help="accept connections only from this page origin (repeatable)"),
    ] = None,
    log_level: Annotated[str, typer.Option(help="DEBUG, INFO, WARNING or ERROR")] = "INFO",
) -> None:
    """Serve NCALayer's WebSocket protocol on HOST:PORT until Ctrl-C. Which key signs, and its
    password, is asked in this terminal for every request, unless --choose (or --cancel) is
    given."""
    if ctx.invoked_subcommand is not None:
        return
    state = _private_directory(state_dir or default_state_dir())
    folder = KeyFolder(keys or _private_directory(state / "keys"))
    chooser = _chooser(folder, choose, password_file, cancel)
    configure_logging(service="signer", level=log_level.upper(), clock=SystemClock())
    listen = Listen(host, port, None, tuple(origin or ()))
    if not insecure_ws:
        files = TlsFiles.under(state)
        if ensure_certificate(files):
            typer.echo(
                f"egov signer: made a new TLS certificate; trust {files.authority} once in "
                "your browser (egov signer trust)"
            )
        listen = Listen(host, port, server_context(files), listen.origins)
    if isinstance(chooser, Unattended) and not cancel:
        typer.echo(
            f"egov signer: unattended: every request is signed with {choose} without asking; "
            "any page this browser opens can get signatures (restrict with --origin)"
        )

    def ready(url: str) -> None:
        typer.echo(f"egov signer: listening on {url}, keys in {folder.directory}")
        typer.echo("egov signer: Ctrl-C stops it")

    try:
        asyncio.run(run_server(listen, Protocol(chooser), package_version(), ready=ready))
    except KeyboardInterrupt:
        typer.echo("egov signer: stopped")
    except OSError as exc:
        typer.echo(f"egov signer: cannot listen on {host}:{port}: {exc}", err=True)
        raise typer.Exit(1) from None


def _private_directory(path: Path) -> Path:
    """``path``, made owner-only (0700) if the signer creates it; an existing folder is left
    as its owner set it."""
    if not path.exists():
        path.mkdir(parents=True, mode=PRIVATE_DIRECTORY)
        path.chmod(PRIVATE_DIRECTORY)
    return path


def _chooser(
    folder: KeyFolder, choose: str | None, password_file: Path | None, cancel: bool
) -> KeyChooser:
    if cancel:
        return Unattended(folder, None, None, cancel=True)
    if choose is not None or password_file is not None:
        if choose is None or password_file is None:
            raise typer.BadParameter("unattended signing needs both --choose and --password-file")
        password = password_file.read_text(encoding="utf-8").strip()
        return Unattended(folder, choose, password)
    if not sys.stdin.isatty():
        typer.echo(
            "egov signer: no terminal to ask which key signs: run it in a terminal, or give "
            "--choose and --password-file (or --cancel)",
            err=True,
        )
        raise typer.Exit(2)
    return TerminalChooser(folder)


def trust(state_dir: StateDir = None) -> None:
    """Print how to trust the signer's certificate in Chromium, Firefox and the system."""
    files = TlsFiles.under(_private_directory(state_dir or default_state_dir()))
    ensure_certificate(files)
    ca = files.authority
    typer.echo(
        f"""The egov signer's certificate authority is {ca}
SHA-256 fingerprint {fingerprint(ca)}
It can vouch only for 127.0.0.1, ::1 and localhost (name constraints), and its private key
was thrown away when it signed the signer's certificate. Trust it once:

Chromium / Google Chrome on Linux (the user's NSS database; Debian: apt-get install libnss3-tools):
  certutil -d sql:$HOME/.pki/nssdb -A -t "C,," -n "egov signer" -i {ca}
  (or chrome://settings/certificates, Authorities, Import, "Trust this certificate for
  identifying websites")

Firefox (its own store):
  Settings, Privacy & Security, Certificates, View Certificates, Authorities, Import {ca},
  "Trust this CA to identify websites"

The operating system (curl, Python, and browsers that use the system store):
  Debian/Ubuntu: sudo cp {ca} /usr/local/share/ca-certificates/egov-signer.crt
                 sudo update-ca-certificates
  macOS:         sudo security add-trusted-cert -d -r trustRoot \\
                   -k /Library/Keychains/System.keychain {ca}
  Windows:       certutil -user -addstore Root {ca}

Restart the browser, start `egov signer`, and open a page that signs. A new certificate (every
two years, or after the state directory is removed) must be trusted again."""
    )
