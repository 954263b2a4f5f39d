"""Running one scenario against a running topology through :mod:`egov.client`.

Set-up issues every actor's certificate from the topology's НУЦ (and puts applicants in the
registries unless the file says not to), moves the clock to the scenario's start, then the
steps run in order; a step that waits (a staff action waits until its step is offered, a hand-out
until the result reached the desk) waits at most the scenario's ``timeout_s``. Expectations are
checked again and again until they hold or the time is up; the report keeps the last actual
value of each."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from pydantic import BaseModel

from egov.client import Attachment, ClientError, IssuedKey, StaffPost, TopologyClient
from egov.client.actors import Applicant, ElicenseStaff, ProviderStaff, PscOperator
from egov.scenario import model as m
from egov.scenario.identities import Identity, identity
from egov.scenario.report import (
    ExpectationOutcome,
    ScenarioReport,
    StepOutcome,
    sequence_diagram,
)
from shared.calendar import KzCalendar
from shared.contract.status import STATUS_TYPES

# Refusal grounds given when a file names none (001 p.3: a refusal is reasoned, in kk and ru).
DEFAULT_GROUNDS = {
    "kk": "Ұсынылған құжаттар талаптарға сәйкес келмейді",
    "ru": "Представленные документы не соответствуют требованиям",
}


class ServiceControl(Protocol):
    """What a target can do to its services (``egov up``: processes; embedded: in-process)."""

    async def stop_service(self, service: str) -> None: ...

    async def start_service(self, service: str) -> None: ...


class StepFailed(Exception):
    """A step did not do what it should; the message says what happened instead."""


@dataclass
class Filed:
    """A request the scenario filed: its id, channel, and who can look at it."""

    request_id: str | None
    channel: m.Channel
    service: str
    applicant: str
    filer: str
    refused: str | None = None  # the code of a refusal at submission
    staff: list[str] = field(default_factory=list)  # staff actors who acted on it


@dataclass
class Context:
    scenario: m.Scenario
    client: TopologyClient
    salt: str
    control: ServiceControl | None
    appoint: Callable[[list[StaffPost]], Awaitable[None]] | None
    keys: dict[str, IssuedKey] = field(default_factory=dict)
    people: dict[str, Identity] = field(default_factory=dict)
    applicants: dict[str, Applicant] = field(default_factory=dict)
    operators: dict[str, PscOperator] = field(default_factory=dict)
    provider_staff: dict[str, ProviderStaff] = field(default_factory=dict)
    elicense_staff: dict[str, ElicenseStaff] = field(default_factory=dict)
    filed: dict[str, Filed] = field(default_factory=dict)

    @property
    def timeout_s(self) -> float:
        return self.scenario.timeout_s


async def run_scenario(
    scenario: m.Scenario,
    client: TopologyClient,
    *,
    file: str,
    salt: str,
    control: ServiceControl | None = None,
    appoint: Callable[[list[StaffPost]], Awaitable[None]] | None = None,
    on_step: Callable[[], None] | None = None,
) -> ScenarioReport:
    """Run ``scenario``; never raises for what the topology does (that is in the report)."""
    report = ScenarioReport(
        scenario.scenario,
        scenario.title,
        file,
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        exclusive=scenario.exclusive,
    )
    ctx = Context(scenario, client, salt, control, appoint)
    began = time.monotonic()
    try:
        await _set_up(ctx, report, began)
        for index, step in enumerate(scenario.steps, start=1):
            outcome = await _run_step(ctx, index, step, began)
            report.steps.append(outcome)
            if on_step is not None:
                on_step()
            if not outcome.ok:
                report.error = f"step {index} ({outcome.kind}) failed: {outcome.detail}"
                break
        report.requests = {k: v.request_id for k, v in ctx.filed.items() if v.request_id}
        if report.error is None:
            report.expectations = await _check_all(ctx)
        else:
            report.expectations = [
                ExpectationOutcome(i, m.step_kind(e), _spec(e), False, None, "not checked")
                for i, e in enumerate(scenario.expect, start=1)
            ]
        await _journeys(ctx, report)
    except StepFailed as exc:
        report.error = str(exc)
    except (ClientError, TimeoutError, OSError) as exc:
        report.error = f"{type(exc).__name__}: {exc}"
    report.duration_s = round(time.monotonic() - began, 3)
    report.passed = report.error is None and all(e.ok for e in report.expectations)
    return report


def _spec(item: BaseModel) -> dict[str, Any]:
    return m.step_body(item).model_dump(mode="json", exclude_unset=True)


# --- set-up ------------------------------------------------------------------------------------


async def _set_up(ctx: Context, report: ScenarioReport, began: float) -> None:
    scenario, client = ctx.scenario, ctx.client
    start = scenario.start_instant()
    if start is not None:
        now = await client.clock()
        if now < start:
            await client.set_clock(start)
            note = f"clock moved to the scenario's start {start.isoformat()}"
        else:
            note = f"clock already at {now.isoformat()} (start {start.isoformat()})"
        at = max(now, start).isoformat()
        report.steps.append(StepOutcome(0, "start", note, True, 0.0, 0.0, "", at))
    posts: list[StaffPost] = []

    async def one(name: str, actor: Any) -> None:
        who = identity(scenario, name, ctx.salt)
        ctx.people[name] = who
        if isinstance(actor, m.ApplicantActor):
            if who.bin is None:
                key = await client.issue_person(
                    who.iin, who.surname, who.given_name, who.patronymic
                )
            else:
                key = await client.issue_entity_signer(
                    who.bin, who.iin, who.surname, who.given_name,
                    organization=who.organization or actor.organization,
                    role="first_head", patronymic=who.patronymic,
                )  # fmt: skip
            if actor.in_registry:
                await client.register_person(who.iin, who.surname, who.given_name)
                if who.bin is not None:
                    registered = (start or datetime.now(UTC)).date() - timedelta(days=3650)
                    await client.register_entity(
                        who.bin, actor.organization, who.iin, registration_date=registered
                    )
            ctx.applicants[name] = client.applicant(key, bin_=who.bin)
        else:
            assert who.bin is not None  # noqa: S101 - staff and operators have one
            assert who.organization is not None  # noqa: S101
            key = await client.issue_entity_signer(
                who.bin, who.iin, who.surname, who.given_name,
                organization=who.organization, patronymic=who.patronymic,
            )  # fmt: skip
            if isinstance(actor, m.PscOperatorActor):
                ctx.operators[name] = client.psc_operator(key)
            elif isinstance(actor, m.ProviderStaffActor):
                ctx.provider_staff[name] = client.provider_staff(key, actor.workstation)
                posts.append(StaffPost(actor.workstation, who.iin, actor.name, actor.roles))
            else:
                ctx.elicense_staff[name] = client.elicense_staff(key)
        ctx.keys[name] = key

    await asyncio.gather(*(one(n, a) for n, a in scenario.actors.items()))
    if posts and ctx.appoint is not None:
        await ctx.appoint(posts)


# --- steps -------------------------------------------------------------------------------------


async def _run_step(ctx: Context, index: int, step: BaseModel, began: float) -> StepOutcome:
    kind, body = m.step_kind(step), m.step_body(step)
    started = time.monotonic()
    summary = _summary(kind, body)
    simulated: str | None = None
    try:
        handler = _HANDLERS[kind]
        simulated = await handler(ctx, body)
        ok, detail = True, ""
    except StepFailed as exc:
        ok, detail = False, str(exc)
    except ClientError as exc:
        ok, detail = False, str(exc)
    except TimeoutError as exc:
        ok, detail = False, str(exc)
    return StepOutcome(
        index, kind, summary, ok, round(started - began, 3),
        round(time.monotonic() - started, 3), detail, simulated,
    )  # fmt: skip


def _summary(kind: str, body: BaseModel) -> str:
    data = body.model_dump(mode="json", exclude_defaults=True, exclude={"form", "attachments"})
    return ", ".join(f"{k}={v}" for k, v in data.items())


async def _register(ctx: Context, body: m.Register) -> None:
    actor = ctx.scenario.actors[body.actor]
    assert isinstance(actor, m.ApplicantActor)  # noqa: S101 - checked when loading
    try:
        await ctx.applicants[body.actor].register(actor.password)
    except ClientError as exc:
        if body.refused is not None and exc.code == body.refused:
            return
        if body.refused is not None:
            raise StepFailed(f"expected the refusal {body.refused}, got {exc}") from None
        raise
    if body.refused is not None:
        raise StepFailed(f"expected the refusal {body.refused}, but the applicant registered")


async def _login(ctx: Context, body: m.Login) -> None:
    actor = ctx.scenario.actors[body.actor]
    assert isinstance(actor, m.ApplicantActor)  # noqa: S101 - checked when loading
    await ctx.applicants[body.actor].login(actor.password)


async def _attachments(ctx: Context, body: m.Submit) -> list[Attachment]:
    if body.attachments is not None:
        return [
            Attachment(a.code, a.name, a.media_type, a.content.encode()) for a in body.attachments
        ]
    # A scan for every document the version in force asks for (the portal's catalog of the
    # simulated day, for the channel).
    catalog = await ctx.client.http("portal").call(
        "GET", "/catalog", params={"channel": body.channel.value}
    )
    for service in catalog["services"]:
        if service["code"] == body.service:
            return [
                Attachment(d["code"], f"{d['code']}.pdf", "application/pdf", b"%PDF-1.4 scan")
                for d in service["required_documents"]
            ]
    raise StepFailed(
        f"{body.service!r} is not offered through {body.channel.value} on the simulated date "
        f"{catalog.get('date')}"
    )


async def _submit(ctx: Context, body: m.Submit) -> str | None:
    applicant_name = body.applicant if body.channel is not m.Channel.PORTAL else body.actor
    assert applicant_name is not None  # noqa: S101 - checked when loading
    who = ctx.people[applicant_name]
    filed = Filed(None, body.channel, body.service, applicant_name, body.actor)
    ctx.filed[body.request] = filed
    try:
        documents = await _attachments(ctx, body)
    except StepFailed:
        if body.refused is None:
            raise
        documents = []
    try:
        if body.channel is m.Channel.PORTAL:
            signer = ctx.keys[body.signed_by] if body.signed_by else None
            filed.request_id = await ctx.applicants[body.actor].submit(
                body.service, body.form, documents, signer=signer
            )
        elif body.channel is m.Channel.PSC:
            filed.request_id = await ctx.operators[body.actor].submit(
                body.service, who.iin, body.form, documents
            )
        elif body.actor in ctx.provider_staff:
            filed.staff.append(body.actor)
            filed.request_id = await ctx.provider_staff[body.actor].paper_application(
                body.service, who.iin, body.form, documents
            )
        else:
            filed.staff.append(body.actor)
            rid = body.request_id or f"S-{uuid.uuid4().hex[:16]}"
            applicant = {"applicant_bin": who.bin} if who.bin else {"applicant_iin": who.iin}
            view = await ctx.elicense_staff[body.actor].intake(
                rid, body.service, form=body.form, documents=documents, **applicant
            )
            filed.request_id = str(view["request_id"])
    except ClientError as exc:
        if body.refused is not None and exc.code == body.refused:
            filed.refused = exc.code
            return None
        if body.refused is not None:
            raise StepFailed(f"expected the refusal {body.refused}, got {exc}") from None
        raise
    if body.refused is not None:
        raise StepFailed(
            f"expected the refusal {body.refused}, but the request was filed as {filed.request_id}"
        )
    return None


def _request(ctx: Context, name: str) -> Filed:
    filed = ctx.filed[name]
    if filed.request_id is None:
        raise StepFailed(f"request {name!r} was not filed (refused at submission)")
    return filed


def _offers(view: Mapping[str, Any], step: str, outcome: str) -> bool:
    return any(a["step"] == step and outcome in a["outcomes"] for a in view.get("allowed", []))


def _arriving(exc: ClientError) -> bool:
    # Before the request reaches the workstation (404), while E-licensing waits for the
    # registry's answer, and while the staff's service does not answer (restarting: status 0);
    # each for at most the scenario's timeout_s.
    return exc.status in (0, 404) or exc.code == "REGISTRY_CHECK_PENDING"


async def _act(ctx: Context, body: m.Act) -> None:
    filed = _request(ctx, body.request)
    rid = filed.request_id
    assert rid is not None  # noqa: S101 - checked by _request
    staff: ProviderStaff | ElicenseStaff = (
        ctx.provider_staff[body.actor]
        if body.actor in ctx.provider_staff
        else ctx.elicense_staff[body.actor]
    )
    if body.actor not in filed.staff:
        filed.staff.append(body.actor)
    try:
        await ctx.client.until(
            lambda: staff.request(rid),
            lambda view: _offers(view, body.step, body.outcome),
            what=f"step {body.step!r} with outcome {body.outcome!r} offered on {rid}",
            timeout_s=ctx.timeout_s,
            tolerate=_arriving,
        )
    except TimeoutError as exc:
        raise StepFailed(str(exc)) from None
    grounds = body.grounds.model_dump() if body.grounds is not None else None
    try:
        if isinstance(staff, ProviderStaff):
            try:
                await staff.act(rid, body.step, body.outcome, grounds=grounds)
            except ClientError as exc:
                if exc.code != "grounds_required" or grounds is not None:
                    raise
                await staff.act(rid, body.step, body.outcome, grounds=DEFAULT_GROUNDS)
        else:
            await staff.act(rid, body.step, body.outcome)
    except ClientError as exc:
        if body.refused is not None and exc.code == body.refused:
            return
        raise
    if body.refused is not None:
        raise StepFailed(f"expected the refusal {body.refused}, but the action was taken")


async def _hand_out(ctx: Context, body: m.HandOut) -> None:
    rid = _request(ctx, body.request).request_id
    assert rid is not None  # noqa: S101
    operator = ctx.operators[body.actor]
    await ctx.client.until(
        lambda: operator.request(rid),
        lambda row: row.get("result_number") is not None,
        what=f"the result of {rid} at the desk",
        timeout_s=ctx.timeout_s,
        tolerate=lambda exc: exc.status == 404,
    )
    await operator.hand_out(rid, body.how, body.email)


async def _wait(ctx: Context, body: m.Wait) -> None:
    filed = _request(ctx, body.request)
    await ctx.client.until(
        lambda: _statuses(ctx, filed, m.StatusSource.AUTO),
        lambda seen: body.status in seen,
        what=f"status {body.status!r} of {filed.request_id}",
        timeout_s=body.timeout_s,
        tolerate=_arriving,
    )


async def _advance(ctx: Context, body: m.Advance) -> str:
    client = ctx.client
    now = await client.clock()
    if body.to is not None:
        target = body.to
    elif body.working_days is not None:
        target = KzCalendar().add_working_days(now, body.working_days)
    elif body.calendar_days is not None:
        target = now + timedelta(days=body.calendar_days)
    else:
        target = now + timedelta(hours=body.hours or 0)
    if target <= now:
        raise StepFailed(f"the clock is at {now.isoformat()}, already past {target.isoformat()}")
    await client.set_clock(target)
    return target.isoformat()


async def _revoke(ctx: Context, body: m.Revoke) -> None:
    await ctx.client.revoke(ctx.keys[body.actor].serial, body.reason)


async def _stop(ctx: Context, body: m.ServiceRef) -> None:
    if ctx.control is None:
        raise StepFailed("this target cannot stop or start services (use embedded or up)")
    await ctx.control.stop_service(body.service)


async def _start(ctx: Context, body: m.ServiceRef) -> None:
    if ctx.control is None:
        raise StepFailed("this target cannot stop or start services (use embedded or up)")
    await ctx.control.start_service(body.service)
    await ctx.client.wait_healthy([body.service], timeout_s=max(ctx.timeout_s, 30.0))


_HANDLERS: dict[str, Callable[[Context, Any], Awaitable[str | None]]] = {
    "register": _register,
    "login": _login,
    "submit": _submit,
    "act": _act,
    "hand_out": _hand_out,
    "wait": _wait,
    "advance": _advance,
    "revoke": _revoke,
    "stop": _stop,
    "start": _start,
}


# --- facts -------------------------------------------------------------------------------------


def envelopes(trace: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The envelopes the gateway accepted for the request, once each, in log order."""
    seen: set[str] = set()
    found = []
    for entry in trace:
        if not str(entry.get("record", "")).startswith("MessageAccepted"):
            continue
        message_id = str(entry.get("message_id"))
        raw = entry.get("envelope_raw")
        if message_id in seen or not isinstance(raw, str):
            continue
        seen.add(message_id)
        try:
            found.append(json.loads(raw))
        except ValueError:
            continue
    return found


def _notified_statuses(trace: list[dict[str, Any]]) -> list[str]:
    notes = [e for e in envelopes(trace) if e.get("type") in STATUS_TYPES]
    # The gateway handles its inbound queue concurrently, so the log's order is not the
    # sender's: both senders number their notifications (seq); E-licensing's v1 ones carried
    # only the instant they were decided (at), distinct for a scenario's successive actions.
    if all(isinstance(n.get("body", {}).get("seq"), int) for n in notes):
        notes.sort(key=lambda n: int(n["body"]["seq"]))
    elif all(isinstance(n.get("body", {}).get("at"), str) for n in notes):
        notes.sort(key=lambda n: datetime.fromisoformat(str(n["body"]["at"])))
    return [str(n.get("body", {}).get("status")) for n in notes]


async def _statuses(ctx: Context, filed: Filed, source: m.StatusSource) -> list[str]:
    rid = filed.request_id
    assert rid is not None  # noqa: S101
    if source is m.StatusSource.AUTO:
        source = {
            m.Channel.PORTAL: m.StatusSource.CABINET,
            m.Channel.PSC: m.StatusSource.DESK,
            m.Channel.PROVIDER_OFFICE: m.StatusSource.GATEWAY,
        }[filed.channel]
    if source is m.StatusSource.CABINET:
        applicant = ctx.applicants[filed.applicant]
        try:
            return await applicant.statuses(rid)
        except ClientError as exc:
            if exc.code != "session_expired":
                raise
            # The session lives on the portal's (simulated) clock: log in again.
            actor = ctx.scenario.actors[filed.applicant]
            assert isinstance(actor, m.ApplicantActor)  # noqa: S101
            await applicant.login(actor.password)
            return await applicant.statuses(rid)
    if source is m.StatusSource.DESK:
        operator = ctx.operators.get(filed.filer)
        if operator is None:
            raise StepFailed(f"request {rid} was not filed at a desk: no desk statuses")
        return await operator.statuses(rid)
    return _notified_statuses(await ctx.client.trace(rid))


async def _staff_view(ctx: Context, filed: Filed) -> dict[str, Any] | None:
    for name in reversed(filed.staff):
        staff = ctx.provider_staff.get(name) or ctx.elicense_staff.get(name)
        if staff is not None and filed.request_id is not None:
            try:
                return await staff.request(filed.request_id)
            except ClientError:
                continue
    return None


async def _staff_permit(ctx: Context, filed: Filed, number: str) -> dict[str, Any]:
    for name in reversed(filed.staff):
        staff = ctx.elicense_staff.get(name)
        if staff is not None:
            return await staff.permit(number)
    return {}


def _path(data: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return _MISSING
    return data


_MISSING = object()


def _result_kinds(trace_envelopes: list[dict[str, Any]], view: dict[str, Any] | None) -> list[str]:
    kinds = []
    for envelope in trace_envelopes:
        body = envelope.get("body") or {}
        if envelope.get("type") == "result.issued.v1":
            kind = _path(body, "document.kind")
            if isinstance(kind, str):
                kinds.append(kind)
        if envelope.get("type") in STATUS_TYPES and isinstance(body.get("result"), dict):
            kinds.append(str(body["result"].get("kind")))
    if view is not None and isinstance(view.get("result"), dict):
        kind = _path(view["result"], "document.kind")
        if isinstance(kind, str):
            kinds.append(kind)
    return list(dict.fromkeys(kinds))


def _refusal_codes(
    filed: Filed, trace_envelopes: list[dict[str, Any]], view: dict[str, Any] | None
) -> list[str]:
    codes = [filed.refused] if filed.refused else []
    for envelope in trace_envelopes:
        refusal = (envelope.get("body") or {}).get("refusal")
        if isinstance(refusal, dict) and refusal.get("code"):
            codes.append(str(refusal["code"]))
        elif isinstance(refusal, str) and refusal:
            codes.append(refusal)
    if view is not None and view.get("refusal"):
        codes.append(str(view["refusal"]))
    return list(dict.fromkeys(codes))


async def _check(ctx: Context, item: BaseModel) -> tuple[bool, Any, str]:
    """(holds, the actual value, a note) for one expectation, now."""
    kind, body = m.step_kind(item), m.step_body(item)
    filed = ctx.filed[str(getattr(body, "request", ""))]
    if filed.request_id is None:
        trace: list[dict[str, Any]] = []
        view = None
    else:
        trace = await ctx.client.trace(filed.request_id)
        view = await _staff_view(ctx, filed) if kind in ("result", "refusal", "version") else None
    sent = envelopes(trace)
    if kind == "result" and view is not None and view.get("permit_number"):
        # An E-licensing permit handed out at the office reaches no cabinet: its registry has it.
        # The document holds the holder: read by staff (the public check gives validity only).
        permit = await _staff_permit(ctx, filed, str(view["permit_number"]))
        view = {**view, "result": {"document": permit.get("document")}}
    if isinstance(body, m.Statuses):
        if filed.request_id is None:
            return False, None, "the request was refused at submission"
        seen = await _statuses(ctx, filed, body.seen_by)
        if body.exactly is not None:
            return seen == body.exactly, seen, ""
        wanted = iter(seen)
        in_order = all(status in wanted for status in body.in_order or [])
        return in_order, seen, ""
    if isinstance(body, m.Event):
        matching = [
            e for e in sent
            if e.get("type") == body.type
            and all(_path(e, k) == v for k, v in body.fields.items())
        ]  # fmt: skip
        holds = len(matching) == body.count if body.count is not None else bool(matching)
        actual = [
            {"type": e.get("type"), **{k: _path(e, k) for k in body.fields}}
            for e in sent
            if e.get("type") == body.type
        ]
        return holds, {"matching": len(matching), "of_type": actual}, ""
    if isinstance(body, m.Result):
        kinds = _result_kinds(sent, view)
        if body.kind is None:
            return not kinds, kinds or None, ""
        return body.kind in kinds, kinds or None, ""
    if isinstance(body, m.Refusal):
        codes = _refusal_codes(filed, sent, view)
        if body.code is None:
            return not codes, codes or None, ""
        return body.code in codes, codes or None, ""
    if isinstance(body, m.Deadline):
        overdue = [
            str((e.get("body") or {}).get("overdue") or "request")
            for e in sent
            if e.get("type") in STATUS_TYPES
            and (e.get("body") or {}).get("status") == "overdue"
        ]  # fmt: skip
        relevant = [o for o in overdue if body.which in ("any", o)]
        return bool(relevant) == body.overdue, overdue, ""
    if isinstance(body, m.Version):
        versions = [
            str((e.get("body") or {}).get("version"))
            for e in sent
            if (e.get("body") or {}).get("version")
        ]
        if view is not None and view.get("version"):
            versions.append(str(view["version"]))
        if filed.channel is m.Channel.PORTAL and filed.request_id is not None:
            versions.append(
                str((await ctx.applicants[filed.applicant].request(filed.request_id))["version"])
            )
        versions = list(dict.fromkeys(versions))
        return versions == [body.version], versions, ""
    if isinstance(body, m.GatewayLog):
        missing = [
            r.model_dump(exclude_none=True)
            for r in body.records
            if not any(
                all(entry.get(k) == v for k, v in r.model_dump(exclude_none=True).items())
                for entry in trace
            )
        ]
        summary = [
            {k: e.get(k) for k in ("record", "type", "sender", "recipient", "state") if e.get(k)}
            for e in trace
        ]
        return not missing, {"missing": missing, "trace": summary} if missing else None, ""
    raise StepFailed(f"unknown expectation {kind}")  # pragma: no cover - the model has no other


async def _check_all(ctx: Context) -> list[ExpectationOutcome]:
    """Each expectation, polled until it holds or ``timeout_s`` passed (journeys end
    asynchronously: the last status may still be on its way)."""

    async def one(index: int, item: BaseModel) -> ExpectationOutcome:
        last: tuple[bool, Any, str] = (False, None, "")
        deadline = time.monotonic() + ctx.timeout_s
        while True:
            try:
                last = await _check(ctx, item)
            except ClientError as exc:
                last = (False, None, str(exc))
            if last[0] or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.2)
        return ExpectationOutcome(index, m.step_kind(item), _spec(item), *last)

    return list(
        await asyncio.gather(*(one(i, e) for i, e in enumerate(ctx.scenario.expect, start=1)))
    )


async def _journeys(ctx: Context, report: ScenarioReport) -> None:
    for name, filed in ctx.filed.items():
        if filed.request_id is None:
            continue
        try:
            trace = await ctx.client.trace(filed.request_id)
        except ClientError:
            continue
        report.traces[name] = [
            {k: v for k, v in e.items() if k not in ("envelope_raw", "raw")} for e in trace
        ]
        report.diagrams[name] = sequence_diagram(trace)
