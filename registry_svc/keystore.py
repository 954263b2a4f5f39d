"""The CA's own keys, created at first start and kept under the data directory.

The simulator keeps them as unencrypted PEM readable by the owner only (mode 0600): they sign
nothing real, and an operator passphrase would stop ``make run`` from starting unattended. The
certificates are also in the event log (``CaCreated.v1``); the start-up check that both agree
catches a data directory paired with another database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from shared.pki.ca import CaCredentials, CaUrls, create_issuing, create_root
from shared.pki.keys import KeyAlgorithm, PrivateKey, generate_private_key
from shared.private_files import write_private

ROOT_NAME = "Simulated NCA Root (egov-sim)"
ISSUING_NAME = "Simulated NCA Issuing CA (egov-sim)"


class KeyStoreError(RuntimeError):
    """The data directory holds an incomplete or unreadable CA."""


@dataclass(frozen=True)
class CaKeys:
    root: CaCredentials
    issuing: CaCredentials


def _key_pem(key: PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _load_key(path: Path) -> PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise KeyStoreError(f"{path}: unsupported key type {type(key).__name__}")
    return key


class CaKeyStore:
    def __init__(self, data_dir: Path) -> None:
        self.directory = data_dir / "ca"

    def _paths(self, name: str) -> tuple[Path, Path]:
        return self.directory / f"{name}.key.pem", self.directory / f"{name}.crt.pem"

    def exists(self) -> bool:
        return any(p.exists() for name in ("root", "issuing") for p in self._paths(name))

    def load(self) -> CaKeys:
        loaded: list[CaCredentials] = []
        for name in ("root", "issuing"):
            key_path, cert_path = self._paths(name)
            if not (key_path.exists() and cert_path.exists()):
                raise KeyStoreError(
                    f"{self.directory} is incomplete: {key_path.name} or {cert_path.name} is "
                    "missing; restore it or remove the directory to create a new CA"
                )
            certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
            key = _load_key(key_path)
            if key.public_key() != certificate.public_key():
                raise KeyStoreError(f"{key_path} does not belong to {cert_path}")
            loaded.append(CaCredentials(certificate, key))
        return CaKeys(root=loaded[0], issuing=loaded[1])

    def create(
        self, *, now: datetime, algorithm: KeyAlgorithm, urls: CaUrls | None = None
    ) -> CaKeys:
        """A new root and issuing CA; with ``urls`` the issuing CA's certificate names the
        root's CRL and certificate."""
        if self.exists():
            raise KeyStoreError(f"{self.directory} already holds a CA; refusing to overwrite it")
        root = create_root(generate_private_key(algorithm), common_name=ROOT_NAME, now=now)
        issuing = create_issuing(
            root, generate_private_key(algorithm), common_name=ISSUING_NAME, now=now, urls=urls
        )
        self.directory.mkdir(parents=True, exist_ok=True)
        for name, credentials in (("root", root), ("issuing", issuing)):
            key_path, cert_path = self._paths(name)
            # 0600 from creation, never through a link (shared.private_files).
            write_private(key_path, _key_pem(credentials.key), private_directory=True)
            cert_path.write_bytes(credentials.certificate.public_bytes(serialization.Encoding.PEM))
        return CaKeys(root=root, issuing=issuing)

    def load_or_create(
        self, *, now: datetime, algorithm: KeyAlgorithm, urls: CaUrls | None = None
    ) -> tuple[CaKeys, bool]:
        if self.exists():
            return self.load(), False
        return self.create(now=now, algorithm=algorithm, urls=urls), True
