"""``egov sign`` and ``egov verify``: a detached JWS over a file, made with a PKCS#12 key file
and checked against the simulated НУЦ (chain, validity, usage, OCSP/CRL)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import httpx
import typer

from egov.commands._registry_store import registry_settings
from shared.clock import SystemClock
from shared.pki.messages import message
from shared.pki.pkcs12 import KeyFileError
from shared.pki.setup import http_verifier, signer_from_key_file

JWS_SUFFIX = ".jws"


def sign(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="the file to sign")],
    p12: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="PKCS#12 key file")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True)],
    out: Annotated[Path | None, typer.Option(help="default: FILE.jws")] = None,
) -> None:
    """Write a detached JWS (header..signature, chain in x5c) over FILE's bytes."""
    try:
        signer = signer_from_key_file(p12, password)
    except (KeyFileError, ValueError) as exc:
        typer.echo(f"egov sign: {exc}", err=True)
        raise typer.Exit(1) from None
    target = out or file.with_name(file.name + JWS_SUFFIX)
    target.write_text(signer.sign(file.read_bytes()) + "\n", encoding="ascii")
    typer.echo(f"signed by {signer.identity.subject} (serial {signer.identity.serial}): {target}")


def verify(
    signature_file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="the .jws file")
    ],
    payload: Annotated[
        Path | None, typer.Option(help="the signed file (default: the .jws name without .jws)")
    ] = None,
    iin: Annotated[str | None, typer.Option(help="the IIN the signer must have")] = None,
    bin_: Annotated[str | None, typer.Option("--bin", help="the BIN the signer must have")] = None,
    trust: Annotated[
        Path | None,
        typer.Option(help="root certificate (PEM); default: the CA in EGOV_DATA_DIR"),
    ] = None,
) -> None:
    """Verify a detached JWS; exit 0 only when the code is OK. Revocation is asked of the OCSP
    responder named in the certificate, with the CRL as fallback."""
    if payload is None:
        if signature_file.suffix != JWS_SUFFIX:
            raise typer.BadParameter("give --payload, or name the signature FILE.jws")
        payload = signature_file.with_suffix("")
    if not payload.exists():
        raise typer.BadParameter(f"{payload} does not exist", param_hint="--payload")
    root_path = trust or registry_settings().data_dir / "ca" / "root.crt.pem"
    if not root_path.exists():
        raise typer.BadParameter(f"no trusted root at {root_path}: run 'egov pki init' or --trust")
    with httpx.Client(timeout=5.0) as client:
        verifier = http_verifier(root_path.read_bytes(), SystemClock(), client)
        result = verifier.verify(
            payload.read_bytes(),
            signature_file.read_text(encoding="ascii").strip(),
            expected_iin=iin,
            expected_bin=bin_,
        )
    typer.echo(f"{result.code.value}: {message(result.code, 'en')}")
    typer.echo(f"  kk: {message(result.code, 'kk')}")
    typer.echo(f"  ru: {message(result.code, 'ru')}")
    if result.identity is not None:
        identity = result.identity
        typer.echo(
            f"  signer: {identity.subject} IIN={identity.iin or '-'} BIN={identity.bin or '-'} "
            f"serial={identity.serial}"
        )
    if result.detail:
        typer.echo(f"  detail: {result.detail}")
    if not result.ok:
        raise typer.Exit(1)
