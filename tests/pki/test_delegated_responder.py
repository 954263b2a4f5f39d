"""The relying party's side of RFC 6960 4.2.2.2: an OCSP answer signed by a delegated responder
is accepted when the responder's certificate was issued by the CA that issued the certificate
in question and carries id-kp-OCSPSigning (and is valid now); any other signer is refused, and
without a usable answer the check falls back to the CRL or fails closed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509

from shared.clock import SimulatedClock
from shared.pki.ca import CaCredentials, issue_ocsp_responder
from shared.pki.keys import KeyAlgorithm, generate_private_key
from shared.pki.oids import EKU_OCSP_SIGNING
from shared.pki.profiles import InformationSystem
from shared.pki.revocation_client import RevocationChecker, RevocationState
from tests.pki.conftest import CaPair, IssueFn
from tests.pki.fakes import FakeCaEndpoint


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(datetime.now(UTC))


def responder_of(ca: CaPair, clock: SimulatedClock, **kwargs: timedelta) -> CaCredentials:
    return issue_ocsp_responder(
        ca.issuing, generate_private_key(KeyAlgorithm.ES256), now=clock.now(), **kwargs
    )


def test_responder_certificate_profile(test_ca: CaPair, clock: SimulatedClock) -> None:
    certificate = responder_of(test_ca, clock).certificate
    certificate.verify_directly_issued_by(test_ca.issuing.certificate)
    usage = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usage) == [EKU_OCSP_SIGNING]
    assert certificate.extensions.get_extension_for_class(x509.OCSPNoCheck)
    assert certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False


def test_delegated_responder_of_the_same_ca_is_accepted(
    issue: IssueFn, test_ca: CaPair, clock: SimulatedClock
) -> None:
    endpoint = FakeCaEndpoint(test_ca, clock, responder=responder_of(test_ca, clock))
    endpoint.crl_up = False  # the answer must come from OCSP
    checker = RevocationChecker(endpoint, clock, use_cache=False)
    good, revoked = issue().certificate, issue().certificate
    endpoint.revoke(revoked, x509.ReasonFlags.key_compromise)
    assert checker.check(good, test_ca.issuing.certificate).state is RevocationState.GOOD
    answer = checker.check(revoked, test_ca.issuing.certificate)
    assert (answer.state, answer.source) == (RevocationState.REVOKED, "ocsp")
    assert "keyCompromise" in answer.detail


def test_responder_without_ocsp_signing_is_refused(
    issue: IssueFn, test_ca: CaPair, clock: SimulatedClock
) -> None:
    # A certificate of the same CA, but issued for something else (a system's signing key).
    system = issue(InformationSystem("portal"))
    impostor = CaCredentials(system.certificate, system.key)
    endpoint = FakeCaEndpoint(test_ca, clock, responder=impostor)
    endpoint.crl_up = False
    answer = RevocationChecker(endpoint, clock).check(
        issue().certificate, test_ca.issuing.certificate
    )
    assert answer.state is RevocationState.UNKNOWN  # fail closed
    assert "not signed by an authorised responder" in answer.detail


def test_responder_of_another_ca_is_refused(
    issue: IssueFn, test_ca: CaPair, other_ca: CaPair, clock: SimulatedClock
) -> None:
    # OCSPSigning and ocsp-nocheck, but delegated by another CA: not this issuer's responder.
    endpoint = FakeCaEndpoint(test_ca, clock, responder=responder_of(other_ca, clock))
    endpoint.crl_up = False
    answer = RevocationChecker(endpoint, clock).check(
        issue().certificate, test_ca.issuing.certificate
    )
    assert answer.state is RevocationState.UNKNOWN
    assert "not signed by an authorised responder" in answer.detail


async def test_expired_responder_is_refused_and_the_crl_answers(
    issue: IssueFn, test_ca: CaPair, clock: SimulatedClock
) -> None:
    endpoint = FakeCaEndpoint(
        test_ca, clock, responder=responder_of(test_ca, clock, validity=timedelta(hours=2))
    )
    await clock.advance(timedelta(hours=3))
    answer = RevocationChecker(endpoint, clock).check(
        issue().certificate, test_ca.issuing.certificate
    )
    assert (answer.state, answer.source) == (RevocationState.GOOD, "crl")
