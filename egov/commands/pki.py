"""``egov pki``: the simulated НУЦ from the command line (init, issue, revoke, show).

These commands are the НУЦ's own console: they open the CA's keys and event log directly (the
``EGOV_*`` settings), so whoever runs them holds the CA itself, more than the registration
authority's role that ``POST /ca/certificates`` asks of a caller over HTTP. The same rule for
systems holds here: a system with a valid certificate gets a new key only with ``--reissue``.
"""

from __future__ import annotations

import asyncio
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from cryptography import x509

from egov.commands._registry_store import registry_components, registry_settings
from registry_svc.announce import announce_revocations
from registry_svc.errors import RegistryError
from registry_svc.holders import build_holder
from shared.pki.certinfo import identity_of
from shared.pki.keys import KeyAlgorithm
from shared.pki.pkcs12 import KeyFileError, load_pkcs12
from shared.pki.profiles import EntityRole, Holder, KeyPurpose
from shared.pki.revocation import parse_reason
from shared.private_files import write_private


class Purpose(StrEnum):
    signing = "signing"
    auth = "auth"


Password = Annotated[
    str | None,
    typer.Option(
        help="password of the PKCS#12 key file (asked for twice on a terminal when not given)",
        show_default=False,
    ),
]
Out = Annotated[Path | None, typer.Option(help="where to write the key file (default SERIAL.p12)")]
Algo = Annotated[KeyAlgorithm, typer.Option(help="ES256 (ECDSA P-256) or RS256 (RSA-2048)")]
PurposeOpt = Annotated[Purpose, typer.Option(help="signing key or authentication key")]


def _split_name(name: str) -> tuple[str, str, str]:
    parts = name.split()
    if len(parts) < 2 or len(parts) > 3:
        raise typer.BadParameter(
            f"expected 'SURNAME GIVEN-NAME [PATRONYMIC]', got {name!r}", param_hint="--name"
        )
    return parts[0], parts[1], parts[2] if len(parts) == 3 else ""


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def key_password(given: str | None, command: str) -> str:
    """``--password``, else asked for (hidden, twice) on the terminal. Without a terminal there
    is no one to ask: the command says to use ``--password`` and exits 2, rather than read the
    password from whatever standard input is (a pipe, /dev/null)."""
    if given is not None:
        return given
    if not _stdin_is_terminal():
        typer.echo(
            f"egov pki issue {command}: the key file needs a password, and standard input is "
            "not a terminal to ask for one: give it with --password PASSWORD",
            err=True,
        )
        raise typer.Exit(2)
    answer: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return answer


def _issue(
    holder: Holder,
    purpose: Purpose,
    algorithm: KeyAlgorithm,
    password: str,
    out: Path | None,
    *,
    reissue: bool = False,
) -> None:
    async def run() -> None:
        async with registry_components() as parts:
            issued = await parts.ca.issue(
                holder,
                KeyPurpose(purpose.value),
                password=password,
                algorithm=algorithm,
                reissue=reissue,
                requested_by="egov pki",
            )
        path = out or Path(f"{issued.serial:x}.p12")
        try:
            # The applicant's key: owner-only from creation, never through a link.
            write_private(path, issued.pkcs12)
        except OSError as exc:
            typer.echo(f"egov pki: cannot write the key file {path}: {exc}", err=True)
            raise typer.Exit(1) from None
        typer.echo(
            f"issued serial {issued.serial:x}: {issued.certificate.subject.rfc4514_string()}"
        )
        typer.echo(f"key file: {path}")

    _run(run())


def _run(coroutine: object) -> None:
    try:
        asyncio.run(coroutine)  # type: ignore[arg-type]
    except RegistryError as exc:
        typer.echo(f"egov pki: {exc.message}", err=True)
        raise typer.Exit(1) from None


def init(algorithm: Algo = KeyAlgorithm.ES256) -> None:
    """Create the root and issuing CA (first time only; an existing CA keeps its keys and
    algorithm) and record them in registry's log."""

    async def run() -> None:
        async with registry_components(algorithm) as parts:
            root, issuing = parts.ca.keys.root.certificate, parts.ca.keys.issuing.certificate
        typer.echo(f"root:    {root.subject.rfc4514_string()}  serial {root.serial_number:x}")
        typer.echo(f"issuing: {issuing.subject.rfc4514_string()}  serial {issuing.serial_number:x}")

    _run(run())


def issue_person(
    iin: Annotated[str, typer.Option(help="the holder's IIN (12 digits)")],
    name: Annotated[str, typer.Option(help="'SURNAME GIVEN-NAME [PATRONYMIC]'")],
    password: Password = None,
    purpose: PurposeOpt = Purpose.signing,
    algorithm: Algo = KeyAlgorithm.ES256,
    out: Out = None,
) -> None:
    """Issue an individual's certificate (SERIALNUMBER=IIN...)."""
    surname, given, patronymic = _split_name(name)
    holder = _holder(
        "individual", iin=iin, surname=surname, given_name=given, patronymic=patronymic
    )
    _issue(holder, purpose, algorithm, key_password(password, "person"), out)


def issue_entity(
    bin_: Annotated[str, typer.Option("--bin", help="the legal entity's BIN")],
    iin: Annotated[str, typer.Option(help="the signer's IIN")],
    role: Annotated[EntityRole, typer.Option(help="the signer's role in the entity")],
    name: Annotated[str, typer.Option(help="signer: 'SURNAME GIVEN-NAME [PATRONYMIC]'")],
    organization: Annotated[str, typer.Option(help="the entity's name (subject O)")],
    password: Password = None,
    purpose: PurposeOpt = Purpose.signing,
    algorithm: Algo = KeyAlgorithm.ES256,
    out: Out = None,
) -> None:
    """Issue a legal-entity signer's certificate (OU=BIN..., role OID)."""
    surname, given, patronymic = _split_name(name)
    holder = _holder(
        "legal_entity",
        iin=iin,
        surname=surname,
        given_name=given,
        patronymic=patronymic,
        bin_=bin_,
        organization=organization,
        role=role,
    )
    _issue(holder, purpose, algorithm, key_password(password, "entity"), out)


def issue_system(
    name: Annotated[str, typer.Argument(help="system id, e.g. gateway or provider.almaty.culture")],
    password: Password = None,
    algorithm: Algo = KeyAlgorithm.ES256,
    out: Out = None,
    reissue: Annotated[
        bool,
        typer.Option(
            "--reissue",
            help="issue a new key although the system has a valid certificate "
            "(recorded in the issuance event)",
        ),
    ] = False,
) -> None:
    """Issue an information system's signing certificate (CN=system id)."""
    holder = _holder("system", system_id=name)
    _issue(
        holder, Purpose.signing, algorithm, key_password(password, "system"), out, reissue=reissue
    )


def _holder(kind: str, **fields: object) -> Holder:
    try:
        return build_holder(kind, **fields)  # type: ignore[arg-type]
    except RegistryError as exc:
        raise typer.BadParameter(exc.message) from None


def revoke(
    serial: Annotated[str, typer.Argument(help="certificate serial, hexadecimal")],
    reason: Annotated[
        str, typer.Option(help="RFC 5280 reason, e.g. keyCompromise")
    ] = "unspecified",
) -> None:
    """Revoke a certificate; the CRL and OCSP answers show it at once."""
    try:
        number = int(serial, 16)
        flag = parse_reason(reason)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None

    async def run() -> None:
        async with registry_components() as parts:
            # The revocation carries its signed pki.revoked; the running registry relays it.
            settings = registry_settings()
            password = settings.key_password.get_secret_value() if settings.key_password else ""
            await announce_revocations(
                parts.ca,
                settings.data_dir,
                parts.clock,
                key_file=settings.key_file,
                password=password,
            )
            revocation = await parts.ca.revoke(number, flag)
        typer.echo(
            f"revoked {serial} at {revocation.revoked_at.isoformat()} ({revocation.reason.value})"
        )

    _run(run())


def show(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="a .p12 key file")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True)],
) -> None:
    """Print a key file's certificate: holder, IIN/BIN, validity, usages, chain."""
    try:
        key_file = load_pkcs12(file.read_bytes(), password=password)
    except KeyFileError as exc:
        typer.echo(f"egov pki show: {exc}", err=True)
        raise typer.Exit(1) from None
    certificate = key_file.certificate
    identity = identity_of(certificate)
    typer.echo(f"subject:  {certificate.subject.rfc4514_string()}")
    typer.echo(f"serial:   {identity.serial}")
    typer.echo(f"IIN:      {identity.iin or '-'}")
    typer.echo(f"BIN:      {identity.bin or '-'}")
    typer.echo(f"valid:    {certificate.not_valid_before_utc.isoformat()} .. "
               f"{certificate.not_valid_after_utc.isoformat()}")  # fmt: skip
    try:
        usages = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        typer.echo("usages:   " + ", ".join(u.dotted_string for u in usages))
    except x509.ExtensionNotFound:
        typer.echo("usages:   -")
    for ca in key_file.chain:
        typer.echo(f"chain:    {ca.subject.rfc4514_string()}")


def build() -> typer.Typer:
    """The ``pki`` sub-app; the main CLI mounts it with ``add_typer(build(), name="pki")``."""
    app = typer.Typer(
        help="The simulated National Certification Authority (НУЦ).", no_args_is_help=True
    )
    issue = typer.Typer(help="Issue a certificate and its PKCS#12 key file.", no_args_is_help=True)
    issue.command("person")(issue_person)
    issue.command("entity")(issue_entity)
    issue.command("system")(issue_system)
    app.command("init")(init)
    app.add_typer(issue, name="issue")
    app.command("revoke")(revoke)
    app.command("show")(show)
    return app
