"""Password-protected PKCS#12 key files, the form in which НУЦ hands out keys."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from shared.pki.keys import PrivateKey

# PBKDF2 rounds for the PKCS#12 key bag; high enough to slow guessing, low enough that a test
# suite that opens dozens of files stays fast.
KDF_ROUNDS = 20_000


class KeyFileError(ValueError):
    """A PKCS#12 file that cannot be opened: wrong password, corrupt, or without a key."""


@dataclass(frozen=True)
class KeyFile:
    key: PrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]  # issuing CA first, then up to (not always incl.) root


def dump_pkcs12(
    key: PrivateKey,
    certificate: x509.Certificate,
    chain: tuple[x509.Certificate, ...],
    *,
    password: str,
    friendly_name: str = "",
) -> bytes:
    if not password:
        raise ValueError("a PKCS#12 key file needs a non-empty password")
    # AES-256-CBC with PBKDF2-SHA256 and an SHA-256 MAC: readable by OpenSSL 3 without the
    # legacy provider (the 3DES/RC2 defaults of older tools are not).
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(KDF_ROUNDS)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(password.encode())
    )
    return pkcs12.serialize_key_and_certificates(
        friendly_name.encode() or None, key, certificate, list(chain), encryption
    )


def load_pkcs12(data: bytes, *, password: str) -> KeyFile:
    try:
        loaded = pkcs12.load_pkcs12(data, password.encode())
    except ValueError as exc:
        reason = f"cannot open the PKCS#12 file (wrong password or corrupt): {exc}"
        raise KeyFileError(reason) from exc
    key = loaded.key
    if loaded.cert is None or key is None:
        raise KeyFileError("the PKCS#12 file holds no private key with its certificate")
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise KeyFileError(f"unsupported key type {type(key).__name__}: ECDSA or RSA expected")
    return KeyFile(
        key=key,
        certificate=loaded.cert.certificate,
        chain=tuple(c.certificate for c in loaded.additional_certs),
    )
