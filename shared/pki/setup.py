"""Building a service's Signer and Verifier from files, for composition roots: the key file the
НУЦ handed out, and the root certificate to trust."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
from cryptography import x509

from shared.clock import Clock
from shared.pki.jws import JwsSigner, JwsVerifier
from shared.pki.pkcs12 import load_pkcs12
from shared.pki.revocation_client import (
    DEFAULT_OCSP_MAX_AGE,
    GatewayRevocationSource,
    HttpRevocationSource,
    RevocationChecker,
    RevocationSource,
)
from shared.signing import Signer


def signer_from_key_file(path: Path, password: str) -> JwsSigner:
    """A signer from a PKCS#12 key file (``egov pki issue system NAME`` makes one)."""
    return JwsSigner.from_key_file(load_pkcs12(path.read_bytes(), password=password))


@dataclass(frozen=True)
class ViaGateway:
    """Ask revocation through the gateway's sync channel at ``url``, signing as ``signer``."""

    url: str
    signer: Signer


def http_verifier(
    trusted_roots_pem: bytes,
    clock: Clock,
    client: httpx.Client,
    *,
    via_gateway: ViaGateway | None = None,
    ocsp_max_age: timedelta = DEFAULT_OCSP_MAX_AGE,
    responder_origin: str | None = None,
) -> JwsVerifier:
    """A verifier trusting the PEM roots, asking revocation over ``client`` (whose lifetime the
    caller owns): of the OCSP responder and CRL each certificate names, or, with
    ``via_gateway``, through the gateway's ``pki.ocsp`` and ``pki.crl`` sync services. The
    gateway itself must use the direct form: it checks its callers' certificates."""
    roots = x509.load_pem_x509_certificates(trusted_roots_pem)
    source: RevocationSource = (
        HttpRevocationSource(client)
        if via_gateway is None
        else GatewayRevocationSource(client, via_gateway.url, via_gateway.signer)
    )
    checker = RevocationChecker(
        source, clock, ocsp_max_age=ocsp_max_age, responder_origin=responder_origin
    )
    return JwsVerifier(roots, clock, checker)
