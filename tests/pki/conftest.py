"""A small test CA: a root and an issuing CA created once per session (key generation is the
slow part), end-entity certificates made per test."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from shared.pki.ca import CaCredentials, CaUrls, create_issuing, create_root, issue_certificate
from shared.pki.keys import KeyAlgorithm, PrivateKey, generate_private_key
from shared.pki.profiles import Holder, Individual, KeyPurpose

URLS = CaUrls.under("http://registry.test")


@dataclass(frozen=True)
class CaPair:
    root: CaCredentials
    issuing: CaCredentials


@dataclass(frozen=True)
class Issued:
    key: PrivateKey
    certificate: x509.Certificate


IssueFn = Callable[..., Issued]


def make_ca(algorithm: KeyAlgorithm = KeyAlgorithm.ES256) -> CaPair:
    now = datetime.now(UTC)
    root = create_root(generate_private_key(algorithm), common_name="Test Root", now=now)
    issuing = create_issuing(
        root, generate_private_key(algorithm), common_name="Test Issuing CA", now=now
    )
    return CaPair(root, issuing)


@pytest.fixture(scope="session")
def test_ca() -> CaPair:
    return make_ca()


@pytest.fixture(scope="session")
def other_ca() -> CaPair:
    return make_ca()


ALICE = Individual(
    iin="900101300126", surname="Сейтқалиева", given_name="Айгерім", patronymic="Нұрланқызы"
)


@pytest.fixture
def issue(test_ca: CaPair) -> IssueFn:
    serials = iter(range(1000, 10**6))

    def _issue(
        holder: Holder = ALICE,
        purpose: KeyPurpose = KeyPurpose.SIGNING,
        *,
        algorithm: KeyAlgorithm = KeyAlgorithm.ES256,
        ca: CaPair | None = None,
        not_before: datetime | None = None,
        validity: timedelta = timedelta(days=365),
    ) -> Issued:
        key = generate_private_key(algorithm)
        certificate = issue_certificate(
            (ca or test_ca).issuing,
            holder,
            purpose,
            key.public_key(),
            serial=next(serials) * 7919,
            now=datetime.now(UTC),
            urls=URLS,
            not_before=not_before,
            validity=validity,
        )
        return Issued(key, certificate)

    return _issue


def write_pem(path: Path, *certificates: x509.Certificate) -> Path:
    path.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates))
    return path
