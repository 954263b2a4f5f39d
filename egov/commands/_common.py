"""What the commands people act with share (``egov portal``, ``egov provider inbox|show|act``,
``egov elicense inbox|show|act``, ``egov psc``): finding the running topology, opening a key
file, and saying what went wrong with the exit status every one of them documents:

* 0: done;
* 1: the service refused (its code and message are printed), or the answer is not the one asked
  for (a result whose signature does not verify);
* 2: bad input (an option, a key file that cannot be opened, no password and no terminal to ask
  on), or no topology answers where it was looked for (the message says where, and how that
  was found).
"""

from __future__ import annotations

import asyncio
import mimetypes
import re
import sys
from collections.abc import Coroutine, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer

from egov.client.errors import ClientError
from egov.client.keys import IssuedKey, KeyMaterialError, signer_from_pkcs12
from egov.client.topology import SERVICES, FoundTopology, ManifestError, find_topology
from portal_svc.sdk import Attachment

T = TypeVar("T")
_IDENTIFIER = re.compile(r"[A-Za-z0-9_.:-]{1,128}")

DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="the topology's data directory: its stack.json when egov up runs there, else "
        "egov run's ports (default: EGOV_DATA_DIR, else ./var)",
        show_default=False,
    ),
]
KeyOption = Annotated[
    Path,
    typer.Option(
        "--as", help="your key file (PKCS#12), whose certificate says who you are", dir_okay=False
    ),
]
KeyPasswordOption = Annotated[
    str | None,
    typer.Option(
        "--password",
        envvar="EGOV_P12_PASSWORD",
        help="the key file's password (asked for on a terminal when not given)",
        show_default=False,
    ),
]
KeyPasswordFileOption = Annotated[
    Path | None,
    typer.Option(
        "--password-file",
        help="a file holding the key file's password (e.g. var/keys/elicense-staff/password)",
        dir_okay=False,
        show_default=False,
    ),
]

# Codes whose refusal has an obvious next step on the command line (a command passes the ones
# that apply to it to :func:`run`).
GROUNDS_HINT = {
    "grounds_required": "give the grounds of the refusal: --grounds-kk TEXT --grounds-ru TEXT"
}
ROSTER_HINT = {
    "not_staff": "staff sign with an employee certificate of the department (its BIN) and are on "
    "the workstation's roster: egov provider staff appoint WORKSTATION IIN NAME --role ROLE"
}
LOGIN_HINT = {
    "session_expired": "log in again: egov portal login IIN",
    "not_authenticated": "log in again: egov portal login IIN",
}


def url_option(service: str) -> Any:
    """``--url`` for the service a command talks to."""
    return typer.Option(
        "--url",
        help=f"the {service}'s base URL (default: found from the data directory)",
        show_default=False,
    )


def fail(command: str, message: str, status: int = 2) -> NoReturn:
    typer.echo(f"{command}: {message}", err=True)
    raise typer.Exit(status)


def topology(command: str, service: str, url: str | None, data_dir: Path | None) -> FoundTopology:
    """The running topology (egov.client.topology.find_topology), ``service`` at ``url`` when
    given; a manifest that cannot be read is exit 2."""
    try:
        found = find_topology(data_dir)
    except ManifestError as exc:
        fail(command, str(exc))
    return found.with_url(service, url) if url else found


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def secret(
    command: str,
    given: str | None,
    file: Path | None,
    *,
    option: str,
    prompt: str,
    what: str,
    confirm: bool = False,
) -> str:
    """A password: ``given``, else read from ``file``, else asked for (hidden; twice with
    ``confirm``, for a new one) on a terminal.
    Without a terminal there is no one to ask: exit 2 saying to give ``option``, rather than
    read it from whatever standard input is (a pipe, /dev/null)."""
    if given is not None:
        return given
    if file is not None:
        try:
            return file.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            fail(command, f"cannot read the password file {file}: {exc}")
    if not _stdin_is_terminal():
        fail(
            command,
            f"{what} is needed, and standard input is not a terminal to ask for it: give it "
            f"with {option}",
        )
    try:
        answer: str = typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm)
    except typer.Abort:  # Ctrl-C or Ctrl-D at the prompt
        typer.echo("", err=True)
        fail(command, f"{what} was not given")
    return answer


def open_key(
    command: str, path: Path, password: str | None, password_file: Path | None
) -> IssuedKey:
    """The key file ``path`` opened with its password (see :func:`secret`); exit 2 when it
    cannot be read or opened."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        fail(command, f"cannot read the key file {path}: {exc.strerror}")
    secret_ = secret(
        command,
        password,
        password_file,
        option="--password (or --password-file)",
        prompt=f"Password of {path}",
        what=f"the password of the key file {path}",
    )
    try:
        signer = signer_from_pkcs12(data, secret_, source=str(path))
    except KeyMaterialError as exc:
        fail(command, str(exc))
    identity = signer.identity
    return IssuedKey(identity.serial or "", identity.subject, signer, data, secret_)


def run(
    command: str,
    found: FoundTopology,
    work: Coroutine[Any, Any, T],
    hints: Mapping[str, str] | None = None,
) -> T:
    """Run ``work`` against ``found``: a service's refusal is exit 1 with its code and message
    (and the next step ``hints`` gives for its code); no answer at all is exit 2, naming the
    address and how it was found."""
    try:
        return asyncio.run(work)
    except ClientError as exc:
        refused(command, found, exc, hints or {})


def refused(
    command: str, found: FoundTopology, exc: ClientError, hints: Mapping[str, str]
) -> NoReturn:
    if exc.status == 0 and exc.code == "unreachable":
        where = found.urls.of(exc.service) if exc.service in SERVICES else exc.service
        fail(
            command,
            f"no topology answers at {where} (found from {found.source}): start one with "
            "make run or egov up, or point at it with --data-dir or --url",
        )
    if exc.service == "client":  # found wrong on this side, before any call was refused
        fail(command, exc.message)
    if exc.status == 0:
        fail(command, f"{exc.service}: {exc.code}: {exc.message}")
    hint = hints.get(exc.code)
    message = f"{exc.service} refused (HTTP {exc.status}): {exc.code}: {exc.message}"
    fail(command, f"{message}\n  {hint}" if hint else message, 1)


def pairs(values: Sequence[str], option: str) -> dict[str, str]:
    """``KEY=VALUE`` options as a mapping; exit 2 naming the one that is not."""
    found: dict[str, str] = {}
    for value in values:
        key, sep, rest = value.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"{option} must be KEY=VALUE, got {value!r}")
        found[key] = rest
    return found


def attachments(values: Sequence[str], option: str = "--attach") -> list[Attachment]:
    """``CODE=PATH`` options as the documents they name (media type from the file name)."""
    files = []
    for code, text in pairs(values, option).items():
        path = Path(text)
        if not path.is_file():
            raise typer.BadParameter(f"{option} {code}: no file {path}")
        media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        files.append(Attachment(code, path.name, media, path.read_bytes()))
    return files


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Columns separated by two spaces, each as wide as its widest cell; the last one free."""
    cells = [list(header), *([("" if c is None else str(c)) for c in row] for row in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    for row in cells:
        line = "  ".join(
            cell if i == len(row) - 1 else cell.ljust(widths[i]) for i, cell in enumerate(row)
        )
        typer.echo(line.rstrip())


def when(value: object) -> str:
    """An ISO instant shortened to the second (``2019-11-04T03:00:29+00:00``)."""
    if not isinstance(value, str) or not value:
        return "-"
    head, dot, rest = value.partition(".")
    if not dot:
        return value
    zone = next((rest[i:] for i, c in enumerate(rest) if c in "+-Z"), "")
    return head + zone


def segment(command: str, value: str, what: str = "request id") -> str:
    """A request id or document number as the user typed it (letters, digits, ``_.:-``, as
    the services make them), refused (exit 2) otherwise: it becomes a path segment of a URL."""
    if not _IDENTIFIER.fullmatch(value) or value in (".", ".."):
        fail(command, f"{value!r} is not a {what}")
    return value
