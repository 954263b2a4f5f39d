"""Building the workstation's parts from settings: signers from key files, the verifier from
the trusted roots, the engine catalogue. Called by the composition root only."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from provider_svc.domain.workstations import WORKSTATIONS
from shared.pki.setup import signer_from_key_file
from shared.signing import Signer, VerificationCode, VerificationResult


class NoTrustAnchors:
    """No НУЦ root configured: refuse every signature (fail closed), saying why."""

    def verify(
        self,
        payload: bytes,
        signature: str,
        *,
        expected_iin: str | None = None,
        expected_bin: str | None = None,
    ) -> VerificationResult:
        del payload, signature, expected_iin, expected_bin
        return VerificationResult(
            VerificationCode.UNTRUSTED_CHAIN,
            detail="EGOV_PROVIDER_TRUST_ANCHORS is not set: no certificate can be trusted",
        )

    def verify_document(
        self,
        payload: bytes,
        signature: str,
        *,
        expected_iin: str | None = None,
        expected_bin: str | None = None,
    ) -> VerificationResult:
        return self.verify(payload, signature)


def load_signers(keys_dir: Path | None, password: str) -> Mapping[str, Signer]:
    """``<keys_dir>/<system id>.p12`` for each workstation that has one."""
    if keys_dir is None:
        return {}
    signers: dict[str, Signer] = {}
    for ws in WORKSTATIONS:
        path = keys_dir / f"{ws.system_id}.p12"
        if path.exists():
            signers[ws.system_id] = signer_from_key_file(path, password)
    return signers
