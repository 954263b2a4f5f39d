"""Building a service's Signer and Verifier from files, for composition roots: the key file the
НУЦ handed out, and the root certificate to trust."""

from __future__ import annotations

from pathlib import Path

import httpx
from cryptography import x509

from shared.clock import Clock
from shared.pki.jws import JwsSigner, JwsVerifier
from shared.pki.pkcs12 import load_pkcs12
from shared.pki.revocation_client import HttpRevocationSource, RevocationChecker


def signer_from_key_file(path: Path, password: str) -> JwsSigner:
    """A signer from a PKCS#12 key file (``egov pki issue system NAME`` makes one)."""
    return JwsSigner.from_key_file(load_pkcs12(path.read_bytes(), password=password))


def http_verifier(trusted_roots_pem: bytes, clock: Clock, client: httpx.Client) -> JwsVerifier:
    """A verifier trusting the PEM roots, asking revocation of the OCSP responder and CRL each
    certificate names, over ``client`` (whose lifetime the caller owns)."""
    roots = x509.load_pem_x509_certificates(trusted_roots_pem)
    return JwsVerifier(roots, clock, RevocationChecker(HttpRevocationSource(client), clock))
