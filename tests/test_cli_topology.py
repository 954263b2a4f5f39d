"""How the commands people act with find the running topology, open their key files and say
what went wrong, without a topology running: ``egov up``'s ``stack.json`` first, else ``egov
run``'s ports; a key file's password from ``--password``, a file or a terminal, and exit 2 saying
so when there is none; no answer at the address found is exit 2 naming it and where it came
from. The journeys against a running topology are in tests/test_cli_people.py."""

from __future__ import annotations

import asyncio
import json
import os
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from egov.cli import build_cli
from egov.client.cabinet import Session, parse_events
from egov.client.topology import ManifestError, find_topology
from egov.commands import _common, _sessions
from egov.stack import free_ports
from shared.signing import InsecureTestSigner, SignerIdentity

KEY_PASSWORD = "key-pw-1"


def egov(*args: str, input: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(build_cli(), list(args), input=input)
    return result.exit_code, result.output


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for key in [k for k in os.environ if k.startswith("EGOV_")]:
        monkeypatch.delenv(key)
    directory = tmp_path / "var"
    monkeypatch.setenv("EGOV_DATA_DIR", str(directory))
    # Nothing listens on these (taken and released): "no topology answers".
    for service, port in zip(
        ("PORTAL", "GATEWAY", "ELICENSE", "REGISTRY", "PROVIDER"), free_ports(5), strict=True
    ):
        monkeypatch.setenv(f"EGOV_{service}_PORT", str(port))
    return directory


@pytest.fixture
def staff_key(data_dir: Path, tmp_path: Path) -> Path:
    """An employee key of the Almaty culture department, from the data directory's НУЦ."""
    out = tmp_path / "staff.p12"
    code, output = egov(
        "pki", "issue", "entity", "--bin", "190340123459", "--iin", "790203300422",
        "--role", "employee", "--name", "Omarov Erlan", "--organization", "Culture",
        "--password", KEY_PASSWORD, "--out", str(out),
    )  # fmt: skip
    assert code == 0, output
    return out


def write_manifest(data_dir: Path, ports: list[int]) -> Path:
    services = ("portal", "gateway", "elicense", "registry", "provider")
    manifest = {
        "supervisor_pid": 4242,
        "namespace": "run1",
        "data_dir": str(data_dir.resolve()),
        "urls": {s: f"http://127.0.0.1:{p}" for s, p in zip(services, ports, strict=True)},
    }
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "stack.json"
    path.write_text(json.dumps(manifest))
    return path


def test_egov_ups_manifest_comes_first_then_egov_runs_ports(tmp_path: Path) -> None:
    ports = free_ports(5)
    manifest = write_manifest(tmp_path, ports)
    found = find_topology(tmp_path, environ={"EGOV_PORTAL_PORT": "9"})
    assert found.urls.portal == f"http://127.0.0.1:{ports[0]}"
    assert found.source == f"{manifest} (egov up, namespace run1, pid 4242)"
    assert (found.namespace, found.manifest) == ("run1", manifest)
    assert found.trust_anchors == tmp_path.resolve() / "keys" / "trust-anchors.pem"

    manifest.unlink()
    defaults = find_topology(tmp_path, environ={})
    assert defaults.urls.as_dict() == {
        "portal": "http://127.0.0.1:8081",
        "gateway": "http://127.0.0.1:8082",
        "elicense": "http://127.0.0.1:8083",
        "registry": "http://127.0.0.1:8084",
        "provider": "http://127.0.0.1:8085",
    }
    assert defaults.source == f"egov run's addresses (default ports 8081-8085; no {manifest})"
    listening = {"EGOV_HOST": "0.0.0.0", "EGOV_PROVIDER_PORT": "9085"}  # noqa: S104 - a setting
    moved = find_topology(tmp_path, environ=listening)
    assert moved.urls.provider == "http://127.0.0.1:9085"
    assert "ports from EGOV_PROVIDER_PORT" in moved.source
    assert find_topology(environ={"EGOV_DATA_DIR": str(tmp_path)}).data_dir == tmp_path
    with pytest.raises(ManifestError, match="EGOV_PORTAL_PORT='x'"):
        find_topology(tmp_path, environ={"EGOV_PORTAL_PORT": "x"})
    manifest.write_text("{not json")
    with pytest.raises(ManifestError, match="not JSON"):
        find_topology(tmp_path, environ={})


def test_no_answer_names_the_address_and_how_it_was_found(data_dir: Path, staff_key: Path) -> None:
    port = os.environ["EGOV_PROVIDER_PORT"]
    code, output = egov(
        "provider", "act", "P1", "register", "registered", "--as", str(staff_key),
        "--password", KEY_PASSWORD,
    )  # fmt: skip
    assert code == 2, output
    assert f"no topology answers at http://127.0.0.1:{port} (found from egov run's addresses" in (
        output
    )
    assert "start one with make run or egov up" in output

    ports = free_ports(5)
    manifest = write_manifest(data_dir, ports)
    code, output = egov("provider", "inbox", "--as", str(staff_key), "--password", KEY_PASSWORD)
    assert code == 2, output
    assert (
        f"no topology answers at http://127.0.0.1:{ports[4]} "
        f"(found from {manifest} (egov up, namespace run1, pid 4242))"
    ) in output
    code, output = egov(
        "elicense", "inbox", "--as", str(staff_key), "--password", KEY_PASSWORD,
        "--url", "http://127.0.0.1:9",
    )  # fmt: skip
    assert code == 2, output
    assert "no topology answers at http://127.0.0.1:9 (found from --url" in output
    manifest.write_text("[]")
    code, output = egov("psc", "requests", "--as", str(staff_key), "--password", KEY_PASSWORD)
    assert code == 2, output
    assert "a stack manifest is a JSON object" in output


def test_a_key_password_from_the_option_a_file_or_a_terminal_else_exit_2(
    data_dir: Path, staff_key: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # CliRunner's standard input is no terminal: nobody to ask.
    code, output = egov("provider", "inbox", "--as", str(staff_key))
    assert code == 2, output
    assert f"the password of the key file {staff_key} is needed" in output
    assert "give it with --password (or --password-file)" in output
    code, output = egov("provider", "inbox", "--as", str(staff_key), "--password", "wrong")
    assert code == 2, output
    assert "cannot open the PKCS#12 file" in output
    code, output = egov("provider", "inbox", "--as", str(tmp_path / "none.p12"), "--password", "x")
    assert code == 2, output
    assert "cannot read the key file" in output

    password_file = tmp_path / "password"
    password_file.write_text(KEY_PASSWORD + "\n")
    code, output = egov("provider", "inbox", "--as", str(staff_key), "--password-file",
                        str(password_file))  # fmt: skip
    assert code == 2, output
    assert "no topology answers" in output  # opened: the key was fine, nothing listens

    monkeypatch.setattr(_common, "_stdin_is_terminal", lambda: True)
    code, output = egov("provider", "inbox", "--as", str(staff_key), input=KEY_PASSWORD + "\n")
    assert code == 2, output
    assert f"Password of {staff_key}:" in output
    assert KEY_PASSWORD not in output  # hidden
    assert "no topology answers" in output


def test_submit_asks_for_both_passwords_on_a_terminal_a_new_one_twice(
    data_dir: Path, staff_key: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    submit = ("portal", "submit", "cultural_values_export", "--p12", str(staff_key))
    code, output = egov(*submit, "--p12-password", KEY_PASSWORD)
    assert code == 2, output
    assert "the portal password of 790203300422 is needed" in output
    monkeypatch.setattr(_common, "_stdin_is_terminal", lambda: True)
    code, output = egov(*submit, "--register", input=f"{KEY_PASSWORD}\nnew-pw-1\nnew-pw-1\n")
    assert code == 2, output
    assert "Portal password of 790203300422:" in output
    assert "Repeat for confirmation" in output
    assert "no topology answers" in output  # both given: it went on to call the portal
    code, output = egov(*submit, input="")  # Ctrl-D at the prompt
    assert code == 2, output
    assert f"the password of the key file {staff_key} was not given" in output


def test_the_gateway_operators_commands_find_the_gateway_alike(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from egov.commands import gateway as gateway_commands

    operator = InsecureTestSigner(b"k", SignerIdentity("gateway operator"))
    monkeypatch.setattr(gateway_commands, "operator_signer", lambda directory, name: operator)
    ports = free_ports(5)
    manifest = write_manifest(data_dir, ports)
    code, output = egov("gateway", "parked")
    assert code == 2, output
    assert (
        f"no gateway answers at http://127.0.0.1:{ports[1]} "
        f"(found from {manifest} (egov up, namespace run1, pid 4242))"
    ) in output
    code, output = egov("gateway", "trace", "c-1", "--url", "http://127.0.0.1:9")
    assert code == 2, output
    assert "no gateway answers at http://127.0.0.1:9 (found from --url)" in output


def test_bad_input_is_exit_2_before_any_call(data_dir: Path, staff_key: Path) -> None:
    key = ("--as", str(staff_key), "--password", KEY_PASSWORD)
    code, output = egov("provider", "act", "P1", "s", "o", *key, "--grounds-kk", "only one")
    assert code == 2, output
    assert "--grounds-kk and --grounds-ru" in output
    code, output = egov("provider", "show", "../inbox", *key)
    assert code == 2, output
    assert "'../inbox' is not a request id" in output
    code, output = egov("provider", "show", "P1?x=1", *key)
    assert code == 2, output
    code, output = egov("psc", "hand-out", "P1", *key, "--how", "post")
    assert code == 2, output
    code, output = egov("psc", "hand-out", "P1", *key, "--how", "email")
    assert code == 2, output
    assert "--email ADDRESS goes with --how email" in output


def test_the_applicants_session_is_an_owner_only_file(data_dir: Path) -> None:
    code, output = egov("portal", "requests")
    assert code == 2, output
    assert "not logged in on this topology" in output
    assert "egov portal login IIN" in output

    session = Session("token-1", "880612400411", None, "2019-11-04T04:00:00+00:00")
    kept = _sessions.save(data_dir, "http://127.0.0.1:8081", session)
    assert kept == data_dir / "sessions" / "portal.json"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert stat.S_IMODE(kept.parent.stat().st_mode) == 0o700
    other = Session("token-2", "880612400411", "190340123459", "2019-11-04T04:00:00+00:00")
    _sessions.save(data_dir, "http://127.0.0.1:8081", other)
    current = _sessions.load(data_dir)
    assert current is not None
    assert (current.token, current.who()) == ("token-2", "880612400411 for BIN 190340123459")
    first = _sessions.load(data_dir, "880612400411")
    assert first is not None
    assert first.token == "token-1"
    _sessions.forget(data_dir, current)
    after = _sessions.load(data_dir)
    assert after is not None
    assert after.token == "token-1"  # the other account is the current one now

    port = os.environ["EGOV_PORTAL_PORT"]
    code, output = egov("portal", "watch", "P1")
    assert code == 2, output
    assert f"no topology answers at http://127.0.0.1:{port}" in output


def test_watch_opens_a_dropped_stream_again_from_the_last_event(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _sessions.save(
        data_dir, "http://portal.test", Session("t-1", "880612400411", None, "2019-11-04")
    )
    asked: list[str | None] = []

    def event(position: int, status: str) -> str:
        data = {"request_id": "P1", "status": status, "step": None, "at": "2019-11-04T03:00:00"}
        return f"id: {position}\nevent: status\ndata: {json.dumps(data)}\n\n"

    def portal(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/cabinet/requests/P1":
            return httpx.Response(200, json={"service": "s", "version": "v"})
        assert request.url.path == "/cabinet/stream"
        assert request.headers["authorization"] == "Bearer t-1"
        asked.append(request.headers.get("last-event-id"))
        # The first connection ends after one event (the portal restarted), the second
        # carries on from it.
        body = event(7, "registered") if len(asked) == 1 else event(9, "refused")
        return httpx.Response(200, text=body, headers={"content-type": "text/event-stream"})

    real = httpx.AsyncClient
    monkeypatch.setattr(
        httpx,
        "AsyncClient",
        lambda **kwargs: real(transport=httpx.MockTransport(portal), **kwargs),
    )
    code, output = egov("portal", "watch", "P1", "--url", "http://portal.test")
    assert code == 0, output
    assert [line.split()[1] for line in output.splitlines() if line.startswith("2019")] == [
        "registered",
        "refused",
    ]
    assert asked == ["0", "7"]


async def test_server_sent_events_are_read_as_the_portal_writes_them() -> None:
    async def lines() -> AsyncIterator[str]:
        for line in [
            ": keep-alive",
            "",
            "id: 7",
            "event: status",
            'data: {"request_id": "P1", "status": "registered"}',
            "",
            "data: not json",
            "",
        ]:
            yield line
            await asyncio.sleep(0)

    events = [e async for e in parse_events(lines())]
    assert [(e.id, e.event, e.data) for e in events] == [
        (7, "status", {"request_id": "P1", "status": "registered"}),
        (None, "message", {"raw": "not json"}),
    ]
