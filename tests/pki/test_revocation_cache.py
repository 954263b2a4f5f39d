"""The relying party's OCSP cache: bounded in age, dropped by a revocation event, and failing
closed when a stale answer cannot be renewed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from cryptography import x509

from shared.clock import SimulatedClock
from shared.config import RuntimeSettings
from shared.pki.http_signing import SignedCallRefused, SignedCalls, sign_request
from shared.pki.jws import JwsSigner, JwsVerifier
from shared.pki.revocation_client import (
    DEFAULT_OCSP_MAX_AGE,
    RevocationChecker,
    RevocationState,
    forget_everywhere,
)
from shared.signing import VerificationResult
from tests.pki.conftest import CaPair, IssueFn
from tests.pki.fakes import FakeCaEndpoint

MAX_AGE = timedelta(seconds=300)


def _cached_good(
    test_ca: CaPair, issue: IssueFn
) -> tuple[SimulatedClock, FakeCaEndpoint, RevocationChecker, x509.Certificate]:
    clock = SimulatedClock(datetime.now(UTC))
    endpoint = FakeCaEndpoint(test_ca, clock)
    checker = RevocationChecker(endpoint, clock, ocsp_max_age=MAX_AGE)
    certificate = issue().certificate
    first = checker.check(certificate, test_ca.issuing.certificate)
    assert (first.state, first.source) == (RevocationState.GOOD, "ocsp")
    return clock, endpoint, checker, certificate


def test_default_maximum_age_is_stricter_than_x_road() -> None:
    # X-Road reuses an OCSP answer for up to 3,600 s; the default here is 300 s, the setting's.
    assert timedelta(seconds=300) == DEFAULT_OCSP_MAX_AGE
    assert RuntimeSettings().ocsp_max_age_s == 300


async def test_missed_revocation_passes_at_most_the_maximum_age(
    test_ca: CaPair, issue: IssueFn
) -> None:
    """With the bus down no event arrives: the cached "good" holds until the maximum age, and
    not one second longer."""
    clock, endpoint, checker, certificate = _cached_good(test_ca, issue)
    endpoint.revoke(certificate, x509.ReasonFlags.key_compromise)
    await clock.advance(MAX_AGE - timedelta(seconds=1))
    held = checker.check(certificate, test_ca.issuing.certificate)
    assert (held.state, held.source) == (RevocationState.GOOD, "ocsp-cache")
    await clock.advance(timedelta(seconds=2))
    renewed = checker.check(certificate, test_ca.issuing.certificate)
    assert (renewed.state, renewed.source) == (RevocationState.REVOKED, "ocsp")


async def test_stale_answer_with_responder_unreachable_fails_closed(
    test_ca: CaPair, issue: IssueFn
) -> None:
    clock, endpoint, checker, certificate = _cached_good(test_ca, issue)
    endpoint.ocsp_up = False
    endpoint.crl_up = False
    await clock.advance(MAX_AGE + timedelta(seconds=1))
    answer = checker.check(certificate, test_ca.issuing.certificate)
    assert answer.state is RevocationState.UNKNOWN
    assert "OCSP" in answer.detail
    assert "CRL" in answer.detail


def test_forgetting_a_serial_makes_the_next_check_ask_the_responder(
    test_ca: CaPair, issue: IssueFn
) -> None:
    _clock, endpoint, checker, certificate = _cached_good(test_ca, issue)
    endpoint.revoke(certificate, x509.ReasonFlags.key_compromise)
    assert forget_everywhere(certificate.serial_number) >= 1
    answer = checker.check(certificate, test_ca.issuing.certificate)
    assert (answer.state, answer.source) == (RevocationState.REVOKED, "ocsp")
    assert endpoint.ocsp_calls == 2


def test_forgetting_drops_the_cached_crl_too(test_ca: CaPair, issue: IssueFn) -> None:
    """With OCSP down the CRL answers; a CRL cached before the revocation must not keep saying
    "good" after the event."""
    clock = SimulatedClock(datetime.now(UTC))
    endpoint = FakeCaEndpoint(test_ca, clock, ocsp_up=False)
    checker = RevocationChecker(endpoint, clock, ocsp_max_age=MAX_AGE)
    certificate = issue().certificate
    assert checker.check(certificate, test_ca.issuing.certificate).state is RevocationState.GOOD
    endpoint.revoke(certificate, x509.ReasonFlags.key_compromise)
    cached = checker.check(certificate, test_ca.issuing.certificate)
    assert cached.state is RevocationState.GOOD
    assert endpoint.crl_calls == 1
    checker.forget(certificate.serial_number)
    answer = checker.check(certificate, test_ca.issuing.certificate)
    assert (answer.state, answer.source) == (RevocationState.REVOKED, "crl")
    assert endpoint.crl_calls == 2


def test_a_checker_without_cache_is_not_reached(test_ca: CaPair, issue: IssueFn) -> None:
    clock = SimulatedClock(datetime.now(UTC))
    endpoint = FakeCaEndpoint(test_ca, clock)
    checker = RevocationChecker(endpoint, clock, use_cache=False)
    certificate = issue().certificate
    checker.check(certificate, test_ca.issuing.certificate)
    assert checker.forget(certificate.serial_number) == 0


class _Nonces:
    def __init__(self) -> None:
        self.seen: set[str] = set()

    async def claim_nonce(self, nonce: str, seen_at: datetime, *, forget_before: datetime) -> bool:
        fresh = nonce not in self.seen
        self.seen.add(nonce)
        return fresh


async def test_a_signed_call_past_the_default_maximum_age_fails_closed_without_the_responder(
    test_ca: CaPair, issue: IssueFn
) -> None:
    """The fallback when no pki.revoked event comes: a service's checker, built from
    EGOV_OCSP_MAX_AGE_S at its documented default, serves a signed call from the cached "good"
    only within the maximum age; past it the check asks the responder again, and with the
    responder (and the CRL) unreachable the call is refused REVOCATION_UNKNOWN, not let
    through on the stale answer."""
    max_age = timedelta(seconds=RuntimeSettings().ocsp_max_age_s)  # as the services build it
    clock = SimulatedClock(datetime.now(UTC))
    endpoint = FakeCaEndpoint(test_ca, clock)
    checker = RevocationChecker(endpoint, clock, ocsp_max_age=max_age)
    verifier = JwsVerifier([test_ca.root.certificate], clock, checker)
    issued = issue()
    signer = JwsSigner(issued.key, issued.certificate, [test_ca.issuing.certificate])

    async def verify(payload: bytes, signature: str) -> VerificationResult:
        return verifier.verify(payload, signature)

    calls = SignedCalls(verify, _Nonces(), now=clock.now)

    async def call() -> None:
        headers = sign_request(signer, "GET", "/inbox", now=clock.now())
        await calls.check("GET", "/inbox", b"", headers)

    await call()
    assert endpoint.ocsp_calls == 1
    endpoint.ocsp_up = False
    endpoint.crl_up = False
    await clock.advance(max_age - timedelta(seconds=1))
    await call()  # the cached answer, still within the maximum age
    assert endpoint.ocsp_calls == 1
    await clock.advance(timedelta(seconds=2))
    with pytest.raises(SignedCallRefused) as refused:
        await call()
    assert refused.value.code == "REVOCATION_UNKNOWN"
    assert (endpoint.ocsp_calls, endpoint.crl_calls) == (2, 1)  # asked again, then the CRL


def test_a_responder_origin_replaces_the_named_addresses_origin_and_keeps_its_path(
    test_ca: CaPair, issue: IssueFn
) -> None:
    """EGOV_REGISTRY_URL: a container reaches the НУЦ as registry:8084 while the certificates
    name the address the host reaches; OCSP, and CRL when OCSP fails, go to the same paths."""
    clock = SimulatedClock(datetime.now(UTC))
    endpoint = FakeCaEndpoint(test_ca, clock)
    checker = RevocationChecker(endpoint, clock, responder_origin="http://registry:8084/")
    certificate = issue().certificate
    named = {
        kind: next(
            d.access_location.value
            for d in certificate.extensions.get_extension_for_class(
                x509.AuthorityInformationAccess
            ).value
            if d.access_method == x509.oid.AuthorityInformationAccessOID.OCSP
        )
        if kind == "ocsp"
        else certificate.extensions.get_extension_for_class(x509.CRLDistributionPoints)
        .value[0]
        .full_name[0]
        .value
        for kind in ("ocsp", "crl")
    }
    assert checker.check(certificate, test_ca.issuing.certificate).state is RevocationState.GOOD
    endpoint.ocsp_up = False
    crl_checker = RevocationChecker(endpoint, clock, responder_origin="http://registry:8084")
    assert crl_checker.check(certificate, test_ca.issuing.certificate).source == "crl"
    assert endpoint.asked == [
        "http://registry:8084" + urlsplit(named["ocsp"]).path,
        "http://registry:8084" + urlsplit(named["ocsp"]).path,
        "http://registry:8084" + urlsplit(named["crl"]).path,
    ]
    assert not named["ocsp"].startswith("http://registry:8084")
    # Without it, the addresses are the certificate's own.
    endpoint.asked.clear()
    endpoint.ocsp_up = True
    RevocationChecker(endpoint, clock).check(certificate, test_ca.issuing.certificate)
    assert endpoint.asked == [named["ocsp"]]
