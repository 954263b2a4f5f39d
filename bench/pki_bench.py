"""Detached-JWS sign and verify throughput against the raw ``cryptography`` operations they
are built on, measured in the same run.

    python -m bench --only pki [--quick]

"raw" is one ECDSA P-256 / RSA-2048 PKCS#1 v1.5 signature (or verification) over the same
signing input; "JWS" adds base64url, the x5c header, and on verify the chain (two certificate
signatures), validity, key usage, the IIN check and a revocation answer from the warm cache (an
in-process CA answers OCSP; the cache holds the answer for an hour, as in production).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from bench.harness import BenchConfig, Result
from shared.canonical import canonical_json
from shared.clock import SimulatedClock
from shared.pki.ca import CaCredentials, CaUrls, create_issuing, create_root, issue_certificate
from shared.pki.jws import JwsSigner, JwsVerifier, b64url
from shared.pki.keys import KeyAlgorithm, generate_private_key
from shared.pki.profiles import Individual, KeyPurpose
from shared.pki.revocation import CertState, SerialStatus, answer_ocsp, build_crl
from shared.pki.revocation_client import RevocationChecker

PAYLOAD = canonical_json(
    {
        "message_id": "0b6f3f9e-8a55-4a3b-9c1e-5f2d7c9a1e44",
        "correlation_id": "REQ-2026-000123",
        "type": "request.submitted.v1",
        "sender": "portal",
        "recipient": "elicense",
        "service_code": "001",
        "sent_at": "2026-11-24T05:00:00Z",
        "body": {"applicant_iin": "900101300126", "form": {"activity": "culture", "n": 3}},
    }
)


class _InProcessCa:
    def __init__(self, issuing: CaCredentials, clock: SimulatedClock) -> None:
        self._issuing = issuing
        self._clock = clock

    def post_ocsp(self, url: str, request_der: bytes) -> bytes:
        del url
        return answer_ocsp(
            request_der,
            self._issuing,
            lambda _: SerialStatus(CertState.GOOD),
            now=self._clock.now(),
        )

    def get_crl(self, url: str) -> bytes:
        del url
        from cryptography.hazmat.primitives import serialization

        crl = build_crl(self._issuing, [], now=self._clock.now(), crl_number=1)
        return crl.public_bytes(serialization.Encoding.DER)


def rate(n: int, operation: Callable[[], object]) -> float:
    operation()  # warm-up (and, for verify, the one OCSP round trip that fills the cache)
    start = time.perf_counter()
    for _ in range(n):
        operation()
    return n / (time.perf_counter() - start)


def measure(algorithm: KeyAlgorithm, n: int) -> list[Result]:
    now = datetime.now(UTC)
    clock = SimulatedClock(now)
    root = create_root(generate_private_key(algorithm), common_name="Bench Root", now=now)
    issuing = create_issuing(root, generate_private_key(algorithm), common_name="Bench CA", now=now)
    key = generate_private_key(algorithm)
    certificate = issue_certificate(
        issuing,
        Individual("900101300126", "Оспанов", "Ерлан"),
        KeyPurpose.SIGNING,
        key.public_key(),
        serial=4242,
        now=now,
        urls=CaUrls(ocsp="http://bench/ocsp", crl="http://bench/crl"),
    )
    signer = JwsSigner(key, certificate, [issuing.certificate])
    verifier = JwsVerifier(
        [root.certificate], clock, RevocationChecker(_InProcessCa(issuing, clock), clock)
    )
    signature = signer.sign(PAYLOAD)
    signing_input = f"{signature.split('.')[0]}.{b64url(PAYLOAD)}".encode()
    public = key.public_key()

    if isinstance(key, ec.EllipticCurvePrivateKey):
        assert isinstance(public, ec.EllipticCurvePublicKey)
        der = key.sign(signing_input, ec.ECDSA(hashes.SHA256()))

        def raw_sign() -> object:
            return key.sign(signing_input, ec.ECDSA(hashes.SHA256()))

        def raw_verify() -> object:
            public.verify(der, signing_input, ec.ECDSA(hashes.SHA256()))
            return None
    else:
        assert isinstance(key, rsa.RSAPrivateKey)
        assert isinstance(public, rsa.RSAPublicKey)
        sig = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())

        def raw_sign() -> object:
            return key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())

        def raw_verify() -> object:
            public.verify(sig, signing_input, padding.PKCS1v15(), hashes.SHA256())
            return None

    def jws_verify() -> object:
        result = verifier.verify(PAYLOAD, signature, expected_iin="900101300126")
        assert result.ok, result
        return result

    rows = [
        ("sign", rate(n, raw_sign), rate(n, lambda: signer.sign(PAYLOAD))),
        ("verify", rate(n, raw_verify), rate(n, jws_verify)),
    ]
    case = f"{algorithm.value} {{}}, {len(PAYLOAD)}-byte payload"
    detail = {"operations": n}
    results: list[Result] = []
    for name, raw, ours in rows:
        results.append(
            Result("pki", case.format(name), "raw cryptography", "ops/s", raw, True, detail)
        )
        results.append(Result("pki", case.format(name), "ours (detached JWS)", "ops/s", ours))
    return results


class _PkiBench:
    name = "pki"
    title = "signatures: our detached JWS vs raw cryptography (ES256, RS256)"
    needs: frozenset[str] = frozenset()

    def run(self, config: BenchConfig) -> list[Result]:
        n = config.pick(full=2000, quick=500, smoke=20)
        return [
            row
            for algorithm in (KeyAlgorithm.ES256, KeyAlgorithm.RS256)
            for row in measure(algorithm, n)
        ]


BENCHMARK = _PkiBench()
