"""No password, key or token in any log line: a full journey on the embedded topology (keys
provisioned, an applicant registered and logged in, a request filed, signed and registered at
the workstation, its status back in the cabinet) with every log record captured at DEBUG, then
searched for the passwords, the key files' passwords, the session token and private-key
material used in it."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest

from portal_svc.sdk import PortalClient
from shared.pki.setup import signer_from_key_file
from tests.embedded import (
    APPLICANT,
    DOMBRA_FORM,
    DOMBRA_SCAN,
    eventually,
    prepare,
    registered_in_cabinet,
    running,
)

pytestmark = pytest.mark.slow

PASSWORD = "Qazaqstan2019-secret"
KEY_PASSWORD = "applicant-key-pw-7"


async def test_a_full_journey_logs_no_secret(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    topology = prepare(tmp_path / "var", monkeypatch)
    monkeypatch.setenv("EGOV_LOG_LEVEL", "DEBUG")
    caplog.set_level(logging.DEBUG)
    out = tmp_path / "applicant.p12"
    async with running(topology):
        await topology.egov(
            "pki", "issue", "person", "--iin", APPLICANT, "--name", "Seitkalieva Aigerim",
            "--password", KEY_PASSWORD, "--out", str(out),
        )  # fmt: skip
        applicant = signer_from_key_file(out, KEY_PASSWORD)
        async with httpx.AsyncClient(base_url=topology.urls["portal"], timeout=30) as http:
            portal = PortalClient(http)
            await portal.register(applicant, PASSWORD)
            await portal.login(APPLICANT, PASSWORD)
            token = portal._headers["Authorization"].removeprefix("Bearer ")
            answer = await portal.submit(
                applicant, "cultural_values_export", DOMBRA_FORM, [DOMBRA_SCAN]
            )
            await eventually(
                lambda: registered_in_cabinet(portal, str(answer["request_id"])),
                "the 'registered' status in the cabinet",
            )
            wrong = await http.post(
                "/auth/login", json={"iin": APPLICANT, "password": "x" + PASSWORD}
            )
            assert wrong.status_code == 401
    captured = capfd.readouterr()
    logged = captured.out + captured.err + "\n".join(r.getMessage() for r in caplog.records)
    logged += "\n".join(str(r.__dict__) for r in caplog.records)
    # The capture saw the services' logs: the login requests among them.
    assert "/auth/login" in logged
    key_passwords = [p.read_text().strip() for p in (topology.data_dir / "keys").rglob("password")]
    assert key_passwords, "the provisioned key files' passwords were found"
    secrets = {
        "the applicant's password": PASSWORD,
        "the key file's password": KEY_PASSWORD,
        "the session token": token,
        **{f"a provisioned key password ({n})": p for n, p in enumerate(key_passwords)},
    }
    for what, secret in secrets.items():
        assert secret not in logged, f"{what} appears in the log"
    assert "PRIVATE KEY" not in logged
