"""Every role played from the command line against ``egov run``'s topology, each command a real
``egov`` process that finds the topology by itself (the data directory's ports, no ``--url``):
the applicant files with ``egov portal submit`` and follows the request live with ``egov portal
watch``; the workstation's clerk and head act with ``egov provider act`` (the head's refusal
issues a signed reasoned refusal: the draft is fetched, signed and sent by the command); the
applicant reads the result with its signature checked and its PDF, lists the cabinet and
answers the survey. E-licensing's provisioned staff work a 2014 request to a signed permit with
``egov elicense act``; a Public Service Center operator files for a visitor and hands the
result out with ``egov psc``."""

from __future__ import annotations

import asyncio
import json
import re
import stat
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from registry_svc.seed import generate_population
from shared.ids import Gender, make_iin
from tests.embedded import (
    AKIMAT_BIN,
    APPLICANT,
    CLERK,
    CULTURE,
    EGOV,
    WAIT_S,
    Stack,
    prepare,
    running,
)

pytestmark = pytest.mark.slow

HEAD = make_iin(date(1975, 5, 5), Gender.FEMALE, 43)
ARCHIVIST = make_iin(date(1982, 9, 14), Gender.MALE, 44)
OPERATOR = make_iin(date(1990, 1, 20), Gender.FEMALE, 45)
KEY_PASSWORD = "cli-keys-pw"
PORTAL_PASSWORD = "Qazaqstan2019"
DEPARTMENT = "Almaty Department of Culture and Archives"
GROUNDS = ("Құжаттар толық емес", "Документы неполные")  # Kazakh, Russian


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str


async def egov(stack: Stack, *args: str) -> Ran:
    """``egov ARGS`` on the stack's data directory, standard input not a terminal."""
    process = await asyncio.create_subprocess_exec(
        str(EGOV),
        *args,
        env=stack.env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), WAIT_S)
    assert process.returncode is not None
    return Ran(process.returncode, out.decode(), err.decode())


async def ok(stack: Stack, *args: str) -> str:
    ran = await egov(stack, *args)
    assert ran.code == 0, f"egov {' '.join(args)}: exit {ran.code}\n{ran.out}\n{ran.err}"
    return ran.out


async def until_ok(stack: Stack, *args: str, showing: str = "") -> str:
    """``egov ARGS`` again until it succeeds and prints ``showing`` (what arrives through the
    gateway takes a moment)."""
    deadline = time.monotonic() + WAIT_S
    while True:
        ran = await egov(stack, *args)
        if ran.code == 0 and showing in ran.out:
            return ran.out
        if time.monotonic() > deadline:
            pytest.fail(f"egov {' '.join(args)} never printed {showing!r}: {ran.out}{ran.err}")
        await asyncio.sleep(0.3)


def fields(out: str) -> dict[str, str]:
    """A command's ``name  value`` lines (columns two spaces apart or more) as a mapping."""
    found: dict[str, str] = {}
    for line in out.splitlines():
        parts = re.split(r"\s{2,}", line.strip(), maxsplit=1)
        if len(parts) == 2:
            found.setdefault(parts[0], parts[1])
    return found


async def issue_entity_key(
    stack: Stack, out: Path, bin_: str, iin: str, name: str, org: str
) -> Path:
    await ok(
        stack, "pki", "issue", "entity", "--bin", bin_, "--iin", iin, "--role", "employee",
        "--name", name, "--organization", org, "--password", KEY_PASSWORD, "--out", str(out),
    )  # fmt: skip
    return out


async def issue_person_key(stack: Stack, out: Path, iin: str, name: str) -> Path:
    await ok(
        stack, "pki", "issue", "person", "--iin", iin, "--name", name,
        "--password", KEY_PASSWORD, "--out", str(out),
    )  # fmt: skip
    return out


class Watch:
    """``egov portal watch`` running, its lines read as they come."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []

    async def until(self, status: str) -> list[str]:
        """Read lines until one names ``status``; every line read so far."""
        assert self.process.stdout is not None
        while not any(line.split()[1:2] == [status] for line in self.lines):
            line = await asyncio.wait_for(self.process.stdout.readline(), WAIT_S)
            assert line, f"watch ended before {status}: {self.lines}"
            self.lines.append(line.decode().rstrip())
        return list(self.lines)


@pytest.fixture
async def topology(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Stack]:
    stack = prepare(tmp_path / "var", monkeypatch)
    await ok(stack, "provider", "staff", "appoint", CULTURE, CLERK, "Omarov Erlan",
             "--role", "office_clerk")  # fmt: skip
    await ok(stack, "provider", "staff", "appoint", CULTURE, HEAD, "Abenova Dana",
             "--role", "head")  # fmt: skip
    async with running(stack):
        yield stack


async def test_a_request_filed_acted_on_and_its_result_read_from_the_command_line(
    topology: Stack, tmp_path: Path
) -> None:
    applicant = await issue_person_key(
        topology, tmp_path / "applicant.p12", APPLICANT, "Seitkalieva Aigerim"
    )
    clerk = await issue_entity_key(
        topology, tmp_path / "clerk.p12", AKIMAT_BIN, CLERK, "Omarov Erlan", DEPARTMENT
    )
    head = await issue_entity_key(
        topology, tmp_path / "head.p12", AKIMAT_BIN, HEAD, "Abenova Dana", DEPARTMENT
    )
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF-1.4 scan")

    filed = await ok(
        topology, "portal", "submit", "cultural_values_export", "--p12", str(applicant),
        "--p12-password", KEY_PASSWORD, "--password", PORTAL_PASSWORD, "--register",
        "-f", "item_description=A dombra", "-f", "destination_country=Kyrgyzstan",
        "-f", "return_date=2020-03-01", "-a", f"standard_p9_documents={scan}",
    )  # fmt: skip
    answer = json.loads(filed)
    assert answer["status"] == "submitted"
    request_id = answer["request_id"]
    # The session submit opened is kept, owner-only, for the other commands.
    sessions = topology.data_dir / "sessions" / "portal.json"
    assert stat.S_IMODE(sessions.stat().st_mode) == 0o600
    assert stat.S_IMODE(sessions.parent.stat().st_mode) == 0o700

    process = await asyncio.create_subprocess_exec(
        str(EGOV), "portal", "watch", request_id, env=topology.env,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    watch = Watch(process)
    try:
        seen = await watch.until("registered")
        assert [line.split()[1] for line in seen] == ["draft", "submitted", "registered"]

        # The clerk's inbox: the workstation found from the key's BIN.
        inbox = await until_ok(topology, "provider", "inbox", "--as", str(clerk),
                               "--password", KEY_PASSWORD, showing=request_id)  # fmt: skip
        assert f"at {CULTURE} as office_clerk" in inbox
        acted = await ok(topology, "provider", "act", request_id, "register", "registered",
                         "--as", str(clerk), "--password", KEY_PASSWORD)  # fmt: skip
        assert fields(acted)["status"] == "under_review"
        assert "review_and_assign (role head): executor_assigned | documents_non_compliant" in acted
        # The watch prints the new status as it arrives, and is still following.
        assert (await watch.until("under_review"))[-1].split()[1:] == [
            "under_review",
            "review_and_assign",
        ]
        assert watch.process.returncode is None

        # A refusal states its grounds: without them the workstation refuses, and says so.
        refused = await egov(
            topology, "provider", "act", request_id, "review_and_assign",
            "documents_non_compliant", "--as", str(head), "--password", KEY_PASSWORD,
        )  # fmt: skip
        assert refused.code == 1
        assert "grounds_required" in refused.err
        assert "--grounds-kk TEXT --grounds-ru TEXT" in refused.err
        # The reasoned refusal is a signed result: the command signs the workstation's draft.
        done = await ok(
            topology, "provider", "act", request_id, "review_and_assign",
            "documents_non_compliant", "--as", str(head), "--password", KEY_PASSWORD,
            "--grounds-kk", GROUNDS[0], "--grounds-ru", GROUNDS[1],
        )  # fmt: skip
        assert "signed the reasoned_refusal (refused) the workstation drafted" in done
        assert fields(done)["finished"] == "refused (DOCUMENTS_NON_COMPLIANT)"

        await watch.until("refused")
        assert await asyncio.wait_for(watch.process.wait(), WAIT_S) == 0
    finally:
        if watch.process.returncode is None:
            watch.process.kill()
            await watch.process.wait()

    pdf = tmp_path / "result.pdf"
    result = fields(await until_ok(topology, "portal", "result", request_id, "--pdf", str(pdf)))
    assert result["decision"] == "refused (DOCUMENTS_NON_COMPLIANT)"
    assert result["grounds ru"] == GROUNDS[1]
    assert result["signature"].startswith("OK: signed by ABENOVA DANA")
    assert pdf.read_bytes().startswith(b"%PDF")

    listed = await ok(topology, "portal", "requests")
    assert listed.splitlines()[0].split() == ["request", "service", "status", "deadline"]
    assert listed.splitlines()[1].split()[:3] == [request_id, "cultural_values_export", "refused"]
    shown = await ok(topology, "portal", "show", request_id)
    history = [line.split()[1] for line in shown.split("\n\n")[1].splitlines()[1:]]
    assert history == ["draft", "submitted", "registered", "under_review", "refused"]

    form = await ok(topology, "portal", "survey", request_id)
    assert "process: Are you satisfied" in form
    answered = await ok(
        topology, "portal", "survey", request_id, "--answers", "process=3,information=2"
    )
    assert "answered: process=3, information=2" in answered
    again = await egov(topology, "portal", "survey", request_id, "--answers", "process=1")
    assert again.code == 1
    assert "survey_answered" in again.err

    # A key file opened without its password, and no terminal to ask on: exit 2, saying how.
    no_password = await egov(topology, "provider", "inbox", "--as", str(clerk))
    assert no_password.code == 2
    assert "give it with --password" in no_password.err


async def test_login_opens_a_session_the_cabinet_commands_use(
    topology: Stack, tmp_path: Path
) -> None:
    applicant = await issue_person_key(
        topology, tmp_path / "applicant.p12", APPLICANT, "Seitkalieva Aigerim"
    )
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF-1.4 scan")
    not_yet = await egov(topology, "portal", "requests")
    assert not_yet.code == 2
    assert "not logged in" in not_yet.err
    assert "egov portal login IIN" in not_yet.err
    unknown = await egov(topology, "portal", "login", APPLICANT, "--password", PORTAL_PASSWORD)
    assert unknown.code == 1  # no such account yet: the portal's refusal
    assert "portal refused (HTTP" in unknown.err
    await ok(
        topology, "portal", "submit", "cultural_values_export", "--p12", str(applicant),
        "--p12-password", KEY_PASSWORD, "--password", PORTAL_PASSWORD, "--register",
        "-f", "item_description=A kobyz", "-f", "destination_country=Kyrgyzstan",
        "-f", "return_date=2020-03-01", "-a", f"standard_p9_documents={scan}",
    )  # fmt: skip
    await ok(topology, "portal", "logout")
    logged_out = await egov(topology, "portal", "requests")
    assert logged_out.code == 2
    no_password = await egov(topology, "portal", "login", APPLICANT)
    assert no_password.code == 2
    assert "give it with --password" in no_password.err
    logged_in = await ok(topology, "portal", "login", APPLICANT, "--password", PORTAL_PASSWORD)
    assert f"logged in as {APPLICANT} at {topology.urls['portal']}" in logged_in
    assert "egov run's addresses (ports from EGOV_ELICENSE_PORT" in logged_in
    listed = await ok(topology, "portal", "requests")
    assert "cultural_values_export" in listed
    # A request that is not there, by the portal's code and message.
    missing = await egov(topology, "portal", "show", "P20191104-0000000000")
    assert missing.code == 1
    assert "portal refused (HTTP 404): request_not_found" in missing.err
    # A session the portal no longer knows: the portal's refusal, and what to do.
    sessions = topology.data_dir / "sessions" / "portal.json"
    kept = json.loads(sessions.read_text())
    kept["accounts"][APPLICANT]["token"] = "forgotten"
    sessions.write_text(json.dumps(kept))
    expired = await egov(topology, "portal", "requests")
    assert expired.code == 1
    assert "session_expired" in expired.err
    assert "log in again: egov portal login IIN" in expired.err


# --- E-licensing (000, Almaty, 2014): the provisioned staff to a signed permit ---------------

ELICENSE_DAY = date(2014, 11, 3)
STAFF_KEYS = Path("keys") / "elicense-staff"


@pytest.fixture
async def elicense_topology(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Stack]:
    stack = prepare(tmp_path / "var", monkeypatch)
    # The applicant must be in ГБД ФЛ: E-licensing asks the registry before staff may act.
    await ok(stack, "registry", "seed", "--persons", "3", "--entities", "0")
    async with running(stack, ELICENSE_DAY):
        yield stack


async def test_elicense_staff_work_a_request_to_a_signed_permit(
    elicense_topology: Stack, tmp_path: Path
) -> None:
    stack = elicense_topology
    known = generate_population(3, 0, 1).persons[1].iin
    applicant = await issue_person_key(stack, tmp_path / "applicant.p12", known, "Known Person")
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF-1.4 scan")
    filed = await ok(
        stack, "portal", "submit", "cultural_values_export", "--p12", str(applicant),
        "--p12-password", KEY_PASSWORD, "--password", PORTAL_PASSWORD, "--register",
        "-a", f"standard_p9_documents={scan}",
    )  # fmt: skip
    request_id = json.loads(filed)["request_id"]
    keys = stack.data_dir / STAFF_KEYS

    def staff(role: str) -> tuple[str, ...]:
        return (
            "--as", str(keys / f"{CULTURE}.{role}.p12"),
            "--password-file", str(keys / "password"),
        )  # fmt: skip

    await until_ok(stack, "elicense", "inbox", *staff("executor"), showing=request_id)
    # Offered once E-licensing has had the registry's answer about the applicant.
    offered = "register_portal (role executor): registered"
    await until_ok(stack, "elicense", "show", request_id, *staff("executor"), showing=offered)
    for role, step, outcome in [
        ("executor", "register_portal", "registered"),
        ("head", "assign_executor", "assigned"),
        ("executor", "check_documents", "complete"),
        ("executor", "prepare_result", "result_drafted"),
    ]:
        await ok(stack, "elicense", "act", request_id, step, outcome, *staff(role))
    signed = await ok(stack, "elicense", "act", request_id, "sign", "signed", *staff("head"))
    assert "signed the permit" in signed
    permit = fields(signed)["permit"].split()[0]
    wrong_role = await egov(
        stack, "elicense", "act", request_id, "hand_out", "issued", *staff("executor")
    )
    assert wrong_role.code == 1
    assert "elicense refused (HTTP" in wrong_role.err
    await ok(stack, "elicense", "act", request_id, "hand_out", "issued", *staff("office_clerk"))

    checked = await ok(stack, "elicense", "verify-permit", permit)
    assert checked.startswith(f"{permit}: valid; signature OK")
    result = fields(await until_ok(stack, "portal", "result", request_id))
    assert result["decision"] == "issued"
    assert result["signature"].startswith("OK: signed by")


# --- the Public Service Center's desk (004, Astana, 2013) ------------------------------------

PSC_DAY = date(2013, 4, 8)
PSC_ASTANA_BIN = "070240000019"
ARCHIVES = "provider.astana.archives"
ARCHIVES_BIN = "190340123479"


@pytest.fixture
async def psc_topology(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Stack]:
    stack = prepare(tmp_path / "var", monkeypatch)
    await ok(stack, "registry", "seed", "--persons", "3", "--entities", "0")
    await ok(stack, "provider", "staff", "appoint", ARCHIVES, ARCHIVIST, "Omarov Erlan",
             "--role", "provider_employee")  # fmt: skip
    async with running(stack, PSC_DAY):
        yield stack


async def test_a_psc_operator_files_for_a_visitor_and_hands_the_result_out(
    psc_topology: Stack, tmp_path: Path
) -> None:
    stack = psc_topology
    visitor = generate_population(3, 0, 1).persons[0].iin
    operator = await issue_entity_key(
        stack, tmp_path / "operator.p12", PSC_ASTANA_BIN, OPERATOR, "Nurpeisova Aliya",
        "ХҚКО, Astana",
    )  # fmt: skip
    archivist = await issue_entity_key(
        stack, tmp_path / "archivist.p12", ARCHIVES_BIN, ARCHIVIST, "Omarov Erlan",
        "Astana archives",
    )  # fmt: skip
    scan = tmp_path / "otinish.pdf"
    scan.write_bytes(b"%PDF-1.4 otinish")
    desk = ("--as", str(operator), "--password", KEY_PASSWORD)
    filed = await ok(
        stack, "psc", "file", "archive_reference", "--applicant", visitor,
        "-f", "subject=Employment record, 1995-2001", "-f", "delivery=in_person",
        "-a", f"application_and_originals={scan}", *desk,
    )  # fmt: skip
    answer = json.loads(filed)
    assert (answer["status"], answer["desk"]) == ("submitted", "psc.astana")
    request_id = answer["request_id"]

    archives = ("--as", str(archivist), "--password", KEY_PASSWORD)
    await until_ok(stack, "provider", "show", request_id, *archives)
    await ok(stack, "provider", "act", request_id, "search_and_decide", "reference_prepared",
             *archives)  # fmt: skip
    sent = await ok(stack, "provider", "act", request_id, "sign_output", "to_psc", *archives)
    assert "signed the archive_reference" in sent

    early = await egov(stack, "psc", "uncollected", "--days", "1", *desk)
    assert early.code == 0
    assert "no result has waited 1 days" in early.out
    await until_ok(stack, "psc", "uncollected", *desk, showing=request_id)
    handed = await ok(stack, "psc", "hand-out", request_id, *desk)
    assert f"{request_id}: handed out (in_person)" in handed
    again = await egov(stack, "psc", "hand-out", request_id, *desk)
    assert again.code == 1
    listed = await ok(stack, "psc", "requests", *desk)
    assert request_id in listed
    not_a_desk = await egov(stack, "psc", "requests", *archives)
    assert not_a_desk.code == 1
    assert "not_an_operator" in not_a_desk.err
