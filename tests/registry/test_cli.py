"""``egov pki``, ``egov sign``, ``egov verify`` and ``egov registry seed`` against a live
registry_svc (uvicorn in a thread) sharing the CLI's data directory and event log."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc import jws
from joserfc.jwk import ECKey
from typer.testing import CliRunner

from egov.cli import build_cli
from egov.commands import pki as pki_commands
from registry_svc.bootstrap import bootstrap
from registry_svc.registry_service import RegistryService
from registry_svc.seed import generate_population
from shared.eventlog.sqlite import SqliteEventStore
from shared.ids import parse_bin, parse_iin
from shared.pki.jws import b64url
from shared.pki.pkcs12 import load_pkcs12


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("EGOV_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("EGOV_REGISTRY_PORT", str(_free_port()))
    # Never the shared PostgreSQL schema "registry": this test's own SQLite file.
    monkeypatch.setenv("EGOV_REGISTRY_EVENT_STORE_URL", f"sqlite:///{tmp_path / 'registry.db'}")
    monkeypatch.delenv("EGOV_AMQP_URL", raising=False)  # the in-memory bus: no broker needed
    return tmp_path


@pytest.fixture
def server(env: Path) -> Iterator[str]:
    service = bootstrap()
    port = service.settings.port
    config = uvicorn.Config(service.app, host="127.0.0.1", port=port, log_level="warning")
    live = uvicorn.Server(config)
    thread = threading.Thread(target=live.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not live.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("registry_svc did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    live.should_exit = True
    thread.join(timeout=30)


def egov(*args: str) -> str:
    result = CliRunner().invoke(build_cli(), list(args), catch_exceptions=False)
    if result.exit_code != 0:
        raise AssertionError(f"egov {' '.join(args)} -> {result.exit_code}\n{result.output}")
    return result.output


def egov_fails(*args: str) -> str:
    result = CliRunner().invoke(build_cli(), list(args), catch_exceptions=False)
    assert result.exit_code != 0, result.output
    return result.output


def code_of(output: str) -> str:
    """The verification code line of ``egov verify`` (the live server's log lines share stdout)."""
    codes = [line.split(":")[0] for line in output.splitlines() if re.match(r"^[A-Z_]+: ", line)]
    assert len(codes) == 1, output
    return codes[0]


def test_sign_and_verify_against_live_ocsp_then_revoke(server: str, env: Path) -> None:
    egov("pki", "init")
    egov(
        "pki", "issue", "person", "--iin", "900101300126", "--name", "Оспанов Ерлан Муратович",
        "--password", "pw", "--out", "erlan.p12",
    )  # fmt: skip
    shown = egov("pki", "show", "erlan.p12", "--password", "pw")
    assert "IIN:      900101300126" in shown
    serial = next(line.split()[1] for line in shown.splitlines() if line.startswith("serial:"))
    Path("doc.json").write_text('{"service":"001"}\n')
    egov("sign", "doc.json", "--p12", "erlan.p12", "--password", "pw")
    ok = egov("verify", "doc.json.jws", "--iin", "900101300126")
    assert code_of(ok) == "OK"
    mismatch = egov_fails("verify", "doc.json.jws", "--iin", "851231400011")
    assert code_of(mismatch) == "SUBJECT_MISMATCH"
    egov("pki", "revoke", serial, "--reason", "keyCompromise")
    revoked = egov_fails("verify", "doc.json.jws")
    assert code_of(revoked) == "CERT_REVOKED"
    assert "Сертификат отозван." in revoked


@pytest.mark.skipif(shutil.which("openssl") is None, reason="no openssl")
def test_openssl_ocsp_over_http_good_then_revoked(server: str, env: Path) -> None:
    egov("pki", "issue", "system", "gateway", "--password", "pw", "--out", "gw.p12")
    key_file = load_pkcs12(Path("gw.p12").read_bytes(), password="pw")
    Path("leaf.pem").write_bytes(key_file.certificate.public_bytes(serialization.Encoding.PEM))
    Path("issuer.pem").write_bytes(key_file.chain[0].public_bytes(serialization.Encoding.PEM))
    root = env / "var" / "ca" / "root.crt.pem"
    command = [
        "openssl", "ocsp", "-issuer", "issuer.pem", "-cert", "leaf.pem",
        "-url", f"{server}/ocsp", "-CAfile", str(root),
    ]  # fmt: skip
    good = subprocess.run(command, capture_output=True, text=True, check=False, timeout=60)
    assert "Response verify OK" in good.stdout + good.stderr
    assert "leaf.pem: good" in good.stdout
    egov("pki", "revoke", format(key_file.certificate.serial_number, "x"), "--reason", "superseded")
    bad = subprocess.run(command, capture_output=True, text=True, check=False, timeout=60)
    assert "leaf.pem: revoked" in bad.stdout
    assert "Reason: superseded" in bad.stdout


def test_jws_from_egov_sign_verifies_with_joserfc(env: Path) -> None:
    egov("pki", "issue", "system", "portal", "--password", "pw", "--out", "portal.p12")
    Path("envelope.json").write_bytes(b'{"type":"request.submitted.v1"}')
    egov("sign", "envelope.json", "--p12", "portal.p12", "--password", "pw")
    header, middle, signature = Path("envelope.json.jws").read_text().strip().split(".")
    assert middle == ""
    certificate = load_pkcs12(Path("portal.p12").read_bytes(), password="pw").certificate
    key = ECKey.import_key(
        certificate.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    registry = jws.JWSRegistry(algorithms=["ES256"])
    registry.max_header_length = 8192  # x5c makes the header longer than the 512-byte default
    compact = f"{header}.{b64url(Path('envelope.json').read_bytes())}.{signature}"
    token = jws.deserialize_compact(compact, key, registry=registry)
    assert token.payload == b'{"type":"request.submitted.v1"}'
    x5c = token.headers()["x5c"]
    assert x509.load_der_x509_certificate(base64.b64decode(x5c[0])) == certificate


def test_pki_commands_explain_bad_input(env: Path) -> None:
    assert "check digit" in egov_fails(
        "pki", "issue", "person", "--iin", "900101300123", "--name", "A B", "--password", "pw"
    )
    assert "SURNAME GIVEN-NAME" in egov_fails(
        "pki", "issue", "person", "--iin", "900101300126", "--name", "Alone", "--password", "pw"
    )
    assert "unknown revocation reason" in egov_fails("pki", "revoke", "ab", "--reason", "boredom")
    assert "no certificate with serial ab" in egov_fails("pki", "revoke", "ab")
    egov("pki", "issue", "system", "elicense", "--password", "right", "--out", "e.p12")
    assert "wrong password" in egov_fails("pki", "show", "e.p12", "--password", "wrong")


ISSUE_WITHOUT_PASSWORD = {
    "person": ["--iin", "900101300126", "--name", "Seitkalieva Aigerim"],
    "entity": [
        "--bin", "050140000656", "--iin", "900101300126", "--role", "employee",
        "--name", "Omarov Erlan", "--organization", "Culture",
    ],
    "system": ["elicense"],
}  # fmt: skip


@pytest.mark.parametrize("kind", sorted(ISSUE_WITHOUT_PASSWORD))
def test_issue_without_a_terminal_asks_for_password_option(env: Path, kind: str) -> None:
    """No --password and standard input no terminal (CliRunner's is not one): a clear
    message naming --password and exit 2, instead of getpass's warning and "Aborted."; nothing
    is issued or written."""
    args = ["pki", "issue", kind, *ISSUE_WITHOUT_PASSWORD[kind], "--out", "k.p12"]
    result = CliRunner().invoke(build_cli(), args, input="typed-pw\ntyped-pw\n")
    assert result.exit_code == 2, result.output
    assert "not a terminal" in result.output
    assert "--password" in result.output
    assert "Aborted" not in result.output
    assert not (env / "k.p12").exists()
    assert not (env / "var" / "ca").exists()  # the НУЦ was not even opened


def test_issue_without_a_terminal_in_a_real_process(env: Path) -> None:
    """The same from a shell script: stdin from /dev/null, as cron or CI would run it."""
    result = subprocess.run(
        [str(Path(sys.executable).with_name("egov")), "pki", "issue", "system", "elicense"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "give it with --password" in result.stderr
    assert "GetPassWarning" not in result.stderr
    assert "Aborted" not in result.stdout + result.stderr


def test_issue_on_a_terminal_asks_for_the_password_twice(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pki_commands, "_stdin_is_terminal", lambda: True)
    result = CliRunner().invoke(
        build_cli(),
        ["pki", "issue", "system", "elicense", "--out", "e.p12"],
        input="typed-pw\ntyped-pw\n",
    )
    assert result.exit_code == 0, result.output
    assert "Repeat for confirmation" in result.output
    assert "typed-pw" not in result.output  # hidden input
    load_pkcs12(Path("e.p12").read_bytes(), password="typed-pw")


def test_seed_is_deterministic_valid_and_idempotent(env: Path) -> None:
    first = egov("registry", "seed", "--persons", "300", "--entities", "40", "--seed", "7")
    assert "persons: 300 written, 0 already there" in first
    assert "entities: 40 written, 0 already there" in first
    again = egov("registry", "seed", "--persons", "300", "--entities", "40", "--seed", "7")
    assert "persons: 0 written, 300 already there" in again

    async def read() -> RegistryService:
        store = SqliteEventStore(env / "registry.db")
        await store.open()
        try:
            service = RegistryService(store)
            await service.catch_up()
            return service
        finally:
            await store.close()

    service = asyncio.run(read())
    expected = generate_population(300, 40, 7)
    assert sorted(service.view.persons) == sorted(p.iin for p in expected.persons)
    for iin in service.view.persons:
        parse_iin(iin)  # valid check digit, or IdError
    for bin_, record in service.view.entities.items():
        parse_bin(bin_)
        assert record["head_iin"] in service.view.persons
    other = generate_population(300, 40, 8)
    assert {p.iin for p in other.persons} != {p.iin for p in expected.persons}


def test_pki_init_creates_an_rsa_ca_on_request_and_keeps_it(env: Path) -> None:
    egov("pki", "init", "--algorithm", "RS256")
    root_path = env / "var" / "ca" / "root.crt.pem"
    root = x509.load_pem_x509_certificate(root_path.read_bytes())
    assert isinstance(root.public_key(), rsa.RSAPublicKey)
    egov("pki", "init")  # an existing CA keeps its keys and algorithm
    assert x509.load_pem_x509_certificate(root_path.read_bytes()) == root
    egov("pki", "issue", "system", "gateway", "--password", "pw", "--out", "gw.p12")
    key_file = load_pkcs12(Path("gw.p12").read_bytes(), password="pw")
    assert key_file.chain[-1] == root


def test_registry_lookups_from_the_cli(env: Path) -> None:
    egov("registry", "seed", "--persons", "20", "--entities", "3", "--seed", "5")
    population = generate_population(20, 3, 5)
    company = population.entities[0]
    shown = json.loads(egov("registry", "entity", company.bin))
    assert shown["head_iin"] == company.head_iin
    head = json.loads(egov("registry", "person", company.head_iin))
    assert head["iin"] == company.head_iin
    headed = json.loads(egov("registry", "headed-by", company.head_iin))
    assert company.bin in [e["bin"] for e in headed]
    assert "person_not_found" in egov_fails("registry", "person", "851231400011")
    assert "invalid_iin" in egov_fails("registry", "person", "851231400012")
