"""Key algorithms the simulated НУЦ issues: ECDSA P-256 by default, RSA-2048 on request."""

from __future__ import annotations

from enum import StrEnum

from cryptography.hazmat.primitives.asymmetric import ec, rsa

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
PublicKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey


class KeyAlgorithm(StrEnum):
    """Named by the JWS algorithm (RFC 7518) the key signs with."""

    ES256 = "ES256"
    RS256 = "RS256"


def generate_private_key(algorithm: KeyAlgorithm) -> PrivateKey:
    if algorithm is KeyAlgorithm.ES256:
        return ec.generate_private_key(ec.SECP256R1())
    # 65537 is the only public exponent anyone should use (NIST SP 800-56B).
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def algorithm_of(key: PrivateKey | PublicKey) -> KeyAlgorithm:
    """The JWS algorithm for ``key``; only the two algorithms above are supported."""
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        if not isinstance(key.curve, ec.SECP256R1):
            raise ValueError(f"unsupported curve {key.curve.name}: only P-256 (ES256) is supported")
        return KeyAlgorithm.ES256
    if key.key_size < 2048:
        raise ValueError(f"RSA key of {key.key_size} bits is too short: at least 2048 required")
    return KeyAlgorithm.RS256
