"""The signer's TLS certificate for ``wss://127.0.0.1``, made on its first start.

A browser connects to ``wss://`` only if it trusts the server's certificate, so the signer makes
a small authority of its own that the user trusts once (``egov signer trust``), and a server
certificate issued by it for ``127.0.0.1``, ``::1`` and ``localhost``. The authority is
name-constrained (RFC 5280 4.2.1.10) to exactly those names, and its private key is thrown away
as soon as it has signed the server certificate: trusting it cannot let anyone, the signer
included, pass for another site. When the server certificate nears its end, a new pair is made
and the new authority has to be trusted again.

Kept in the state directory (``tls/``, 0700): ``ca.pem`` (to trust), ``server.pem`` and
``server.key.pem`` (0600).
"""

from __future__ import annotations

import ipaddress
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from shared.private_files import PRIVATE_DIRECTORY, write_private

VALIDITY = timedelta(days=730)
RENEW_BEFORE = timedelta(days=30)
_HOSTS = (ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1"))
_HOST_NAME = "localhost"


@dataclass(frozen=True)
class TlsFiles:
    directory: Path

    @property
    def authority(self) -> Path:
        return self.directory / "ca.pem"

    @property
    def certificate(self) -> Path:
        return self.directory / "server.pem"

    @property
    def key(self) -> Path:
        return self.directory / "server.key.pem"

    @classmethod
    def under(cls, state_dir: Path) -> TlsFiles:
        return cls(state_dir / "tls")


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "egov signer (local)"),
        ]
    )


def _current(files: TlsFiles, now: datetime) -> bool:
    if not (files.authority.exists() and files.certificate.exists() and files.key.exists()):
        return False
    certificate = x509.load_pem_x509_certificate(files.certificate.read_bytes())
    return now + RENEW_BEFORE < certificate.not_valid_after_utc


def ensure_certificate(files: TlsFiles, now: datetime | None = None) -> bool:
    """Make the authority and the server certificate unless usable ones are there; True when
    new ones were made (the user must trust the new authority)."""
    now = now or datetime.now(UTC)
    if _current(files, now):
        return False
    files.directory.mkdir(parents=True, exist_ok=True)
    files.directory.chmod(PRIVATE_DIRECTORY)
    start = now - timedelta(minutes=5)
    end = now + VALIDITY
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name(f"egov signer authority {now:%Y-%m-%d %H:%M:%S}")
    permitted: list[x509.GeneralName] = [x509.DNSName(_HOST_NAME)]
    permitted += [x509.IPAddress(ipaddress.ip_network(host)) for host in _HOSTS]
    authority = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.NameConstraints(permitted_subtrees=permitted, excluded_subtrees=None),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    server_key = ec.generate_private_key(ec.SECP256R1())
    alternative: list[x509.GeneralName] = [x509.DNSName(_HOST_NAME)]
    alternative += [x509.IPAddress(host) for host in _HOSTS]
    server = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(alternative), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    # ca_key goes out of scope here, never written: nothing can be issued under the authority.
    pem = serialization.Encoding.PEM
    write_private(files.key, server_key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ))  # fmt: skip
    write_private(files.certificate, server.public_bytes(pem) + authority.public_bytes(pem))
    write_private(files.authority, authority.public_bytes(pem))
    return True


def server_context(files: TlsFiles) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(files.certificate, files.key)
    return context


def fingerprint(path: Path) -> str:
    certificate = x509.load_pem_x509_certificate(path.read_bytes())
    return certificate.fingerprint(hashes.SHA256()).hex(":").upper()
