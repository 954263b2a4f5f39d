"""How a service names a refused signed call: its own spelling, except a revoked certificate."""

from __future__ import annotations

from shared.pki.http_signing import SignedCallRefused
from shared.signing import VerificationCode, VerificationResult


def test_a_revoked_certificate_is_named_cert_revoked_whatever_the_services_spelling() -> None:
    verdict = VerificationResult(VerificationCode.CERT_REVOKED, detail="revoked at 09:30")
    revoked = SignedCallRefused("CERT_REVOKED", "revoked at 09:30", verification=verdict)
    for own in ("cert_revoked", "signature_cert_revoked", "not_authenticated"):
        assert revoked.answer_code(own) == "CERT_REVOKED"


def test_other_refusals_keep_the_services_spelling() -> None:
    verdict = VerificationResult(VerificationCode.BAD_SIGNATURE, detail="does not verify")
    bad = SignedCallRefused("BAD_SIGNATURE", "does not verify", verification=verdict)
    assert bad.answer_code("signature_bad_signature") == "signature_bad_signature"
    expired = SignedCallRefused("REQUEST_EXPIRED", "too old")
    assert expired.answer_code("request_expired") == "request_expired"
