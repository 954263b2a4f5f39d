"""``egov elicense verify-permit``: what it prints and its exit codes (0 valid with a good
signature, 1 anything else, 2 no answer)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from egov.cli import build_cli
from egov.commands import elicense as command


def _verification(state: str, valid: bool, code: str = "OK") -> dict[str, Any]:
    return {
        "permit_number": "KZ-2014-A-000001",
        "state": state,
        "edition": 1,
        "issuer": {"id": "provider.almaty.culture"},
        "signature": {"valid": valid, "code": code},
    }


def _serve(monkeypatch: pytest.MonkeyPatch, handler: httpx.MockTransport) -> list[str]:
    asked: list[str] = []
    real = httpx.Client

    def client(**kwargs: Any) -> httpx.Client:
        def record(request: httpx.Request) -> httpx.Response:
            asked.append(str(request.url))
            return handler.handle_request(request)

        return real(transport=httpx.MockTransport(record), **kwargs)

    monkeypatch.setattr(command.httpx, "Client", client)
    return asked


@pytest.mark.parametrize(
    ("answer", "exit_code", "shown"),
    [
        (httpx.Response(200, json=_verification("valid", True)), 0, "valid; signature OK"),
        (httpx.Response(200, json=_verification("suspended", True)), 1, "suspended"),
        (httpx.Response(200, json=_verification("valid", False, "CERT_REVOKED")), 1, "REVOKED"),
        (
            httpx.Response(404, json={"code": "PERMIT_NOT_FOUND", "message": "no permit"}),
            1,
            "PERMIT_NOT_FOUND",
        ),
    ],
)
def test_verify_permit_reports_and_exits(
    monkeypatch: pytest.MonkeyPatch, answer: httpx.Response, exit_code: int, shown: str
) -> None:
    asked = _serve(monkeypatch, httpx.MockTransport(lambda _request: answer))
    result = CliRunner().invoke(
        build_cli(),
        ["elicense", "verify-permit", "KZ-2014-A-000001", "--url", "http://elicense.test"],
    )
    assert result.exit_code == exit_code, result.output
    assert shown in result.output
    assert asked == ["http://elicense.test/permits/KZ-2014-A-000001"]


def test_verify_permit_without_an_answer_exits_2(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    _serve(monkeypatch, httpx.MockTransport(refuse))
    result = CliRunner().invoke(
        build_cli(), ["elicense", "verify-permit", "KZ-1", "--url", "http://elicense.test"]
    )
    assert result.exit_code == 2
    assert "connection refused" in result.output
