"""``egov calendar ...``: working-day arithmetic and a service's deadlines, in Almaty time.

``add-working-days`` / ``add-calendar-days`` ask :class:`shared.calendar.KzCalendar` for the
deadline of a term; ``deadlines`` runs a request through the step engine along its main path,
every step taking exactly its norm, and prints each step's start and deadline and the request's
term. The deadlines are the engine's (``StepEngine.submit`` / ``act`` compute them with
``request_deadline`` and ``step_deadline``): nothing here counts days itself, so the command
shows whatever the engine decides.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Annotated, Any

import typer

from regulations import definitions_dir
from shared.calendar import KzCalendar
from shared.regulation.catalog import Catalog
from shared.regulation.engine import StepEngine
from shared.regulation.errors import RegulationError, UnknownService
from shared.regulation.model import Channel, Definition

_LOCAL_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M")
JsonOption = Annotated[bool, typer.Option("--json", help="print one JSON object")]


class CalendarInputError(ValueError):
    """Bad input to a calendar command; the message says what was expected."""


def build() -> typer.Typer:
    """Mounted as ``calendar``."""
    app = typer.Typer(
        help="Kazakhstan working-day calendar: terms and a service's step deadlines (Almaty time).",
        no_args_is_help=True,
    )
    # A negative N ("-1") is an argument to refuse with a reason, not an unknown option.
    negative_n = {"ignore_unknown_options": True}
    app.command("add-working-days", context_settings=negative_n)(add_working_days)
    app.command("add-calendar-days", context_settings=negative_n)(add_calendar_days)
    app.command("deadlines")(deadlines)
    return app


# --- parsing ----------------------------------------------------------------------------------


def parse_local(text: str, calendar: KzCalendar) -> datetime:
    """``YYYY-MM-DD HH:MM`` (or a bare ``YYYY-MM-DD``, meaning the start of that day) as Almaty
    wall-clock time, returned aware."""
    value = text.strip()
    for fmt in _LOCAL_FORMATS:
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=calendar.tz)
        except ValueError:
            continue
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise CalendarInputError(
            f"{text!r} is not a date: expected YYYY-MM-DD or 'YYYY-MM-DD HH:MM' (Almaty time)"
        ) from None
    return datetime.combine(day, time(0, 0), tzinfo=calendar.tz)


def _count(n: int) -> int:
    if n < 0:
        raise CalendarInputError(f"N must be 0 or more, got {n}")
    return n


def _local(instant: datetime, calendar: KzCalendar) -> datetime:
    return instant.astimezone(calendar.tz)


def _show(instant: datetime | None, calendar: KzCalendar) -> str:
    if instant is None:
        return "-"
    return _local(instant, calendar).strftime("%Y-%m-%d %H:%M %a")


def _fail(command: str, exc: Exception) -> typer.Exit:
    typer.echo(f"egov calendar {command}: {exc}", err=True)
    return typer.Exit(2)


# --- add-working-days / add-calendar-days -----------------------------------------------------


def _term(
    command: str,
    unit: str,
    start_text: str,
    n: int,
    compute: Callable[[KzCalendar, datetime, int], datetime],
    as_json: bool,
) -> None:
    calendar = KzCalendar()
    try:
        start = parse_local(start_text, calendar)
        days = _count(n)
        accepted = calendar.receipt_day(start)
        deadline = compute(calendar, start, days)
    except ValueError as exc:
        raise _fail(command, exc) from None
    local = _local(deadline, calendar)
    if as_json:
        report = {
            "start": start.isoformat(),
            "accepted_on": accepted.isoformat(),
            "days": days,
            "unit": unit,
            "deadline": local.isoformat(),
            "deadline_utc": deadline.isoformat(),
            "time_zone": str(calendar.tz),
        }
        typer.echo(json.dumps(report, ensure_ascii=False))
        return
    label = unit.replace("_", " ")
    typer.echo(f"start:     {_show(start, calendar)} ({calendar.tz})")
    typer.echo(f"accepted:  {accepted.isoformat()} {accepted:%a}")
    typer.echo(f"term:      {days} {label}")
    typer.echo(f"deadline:  {_show(deadline, calendar)} ({calendar.tz}) = {deadline.isoformat()}")


StartArgument = Annotated[
    str,
    typer.Argument(
        metavar="DATE", help="YYYY-MM-DD or 'YYYY-MM-DD HH:MM', Almaty time", show_default=False
    ),
]
CountArgument = Annotated[
    int, typer.Argument(metavar="N", help="the term, 0 or more", show_default=False)
]


def add_working_days(start: StartArgument, n: CountArgument, as_json: JsonOption = False) -> None:
    """The deadline of a term of N working days for a request received at DATE: the end of
    working hours (18:30) of the N-th working day after the day it counts as accepted on."""
    _term(
        "add-working-days",
        "working_days",
        start,
        n,
        lambda calendar, at, days: calendar.add_working_days(at, days),
        as_json,
    )


def add_calendar_days(start: StartArgument, n: CountArgument, as_json: JsonOption = False) -> None:
    """The deadline of a term of N calendar days for a request received at DATE: the N-th day
    after acceptance, moved to the next working day if it is not one, at 18:30."""
    _term(
        "add-calendar-days",
        "calendar_days",
        start,
        n,
        lambda calendar, at, days: calendar.add_calendar_days(at, days),
        as_json,
    )


# --- deadlines --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedStep:
    seq: int
    step: str
    role: str
    norm: str | None
    start: datetime
    deadline: datetime | None
    outcome: str


@dataclass(frozen=True)
class Plan:
    definition: Definition
    channel: Channel
    submitted: datetime
    term: str
    term_deadline: datetime
    steps: tuple[PlannedStep, ...]
    result: str | None


def _versions_text(catalog: Catalog, code: str) -> str:
    return "; ".join(
        f"{d.key} (in force {d.in_force.from_}..{d.in_force.until or 'open'})"
        for d in catalog.versions(code)
    )


def choose_definition(catalog: Catalog, service: str, submitted: datetime) -> Definition:
    """``SERVICE@VERSION`` (or ``SERVICE`` alone: the version in force at ``submitted``);
    refuse an unknown one or one not in force then, listing what exists."""
    name, sep, version = service.partition("@")
    if not name or (sep and not version):
        raise CalendarInputError(
            f"{service!r} is not SERVICE@VERSION (e.g. cultural_values_export@almaty-2018)"
        )
    try:
        code = catalog.resolve_code(name)
    except UnknownService:
        known = "; ".join(
            f"{c} ({catalog.versions(c)[0].letter}): "
            + ", ".join(d.version for d in catalog.versions(c))
            for c in catalog.codes()
        )
        raise CalendarInputError(f"unknown service {name!r}; services: {known}") from None
    if not sep:
        return catalog.in_force(code, submitted)
    matching = [d for d in catalog.versions(code) if d.version == version]
    if not matching:
        raise CalendarInputError(
            f"{code} has no version {version!r}; versions: {_versions_text(catalog, code)}"
        )
    definition = matching[0]
    day = submitted.astimezone(KzCalendar().tz).date()
    if not definition.in_force.covers(day):
        raise CalendarInputError(
            f"{definition.key} was not in force on {day} (submitted date); versions: "
            f"{_versions_text(catalog, code)}"
        )
    return definition


def _default_channel(definition: Definition) -> Channel:
    # The e-gov portal where the service is offered there, else the first entry of the act.
    channels = [entry.channel for entry in definition.entries]
    return Channel.PORTAL if Channel.PORTAL in channels else channels[0]


def plan(definition: Definition, channel: Channel, submitted: datetime) -> Plan:
    """The request's main path with every step taking exactly its norm: at each step the first
    outcome the engine allows that is not a refusal, recorded at the step's deadline (at its
    start when the act gives the step no norm), which is when the next step starts."""
    calendar = KzCalendar()
    engine = StepEngine(definition, calendar)
    if channel not in definition.channels:
        raise CalendarInputError(
            f"{definition.key} is not offered through {channel.value!r}; channels: "
            + ", ".join(c.value for c in definition.channels)
        )
    events = engine.submit("calendar-deadlines", channel, submitted)
    steps: list[PlannedStep] = []
    result: str | None = None
    # A main path visits each step at most once; more means the definition loops back.
    for _ in range(len(definition.steps) + 1):
        state = engine.state(events)
        current = state.current
        if current is None:
            result = state.result
            break
        (action,) = engine.allowed(state)
        step = definition.step(current.step)
        outcomes = {o.name: o for o in step.outcomes}
        choice = next((name for name in action.outcomes if outcomes[name].refusal is None), None)
        if choice is None:
            raise RegulationError(f"{definition.key}: step {step.id!r} has only refusals")
        finished = current.deadline if current.deadline is not None else current.started_at
        steps.append(
            PlannedStep(
                seq=current.seq,
                step=current.step,
                role=current.role,
                norm=None if step.norm is None else step.norm.label(),
                start=current.started_at,
                deadline=current.deadline,
                outcome=choice,
            )
        )
        events = [
            *events,
            *engine.act(state, role=action.role, step=action.step, outcome=choice, at=finished),
        ]
    else:
        raise RegulationError(f"{definition.key}: the main path does not end")
    return Plan(
        definition=definition,
        channel=channel,
        submitted=submitted,
        term=definition.term.label(),
        term_deadline=state.deadline,
        steps=tuple(steps),
        result=result,
    )


def _plan_json(p: Plan, calendar: KzCalendar) -> dict[str, Any]:
    def iso(instant: datetime | None) -> str | None:
        return None if instant is None else _local(instant, calendar).isoformat()

    return {
        "service": p.definition.code,
        "version": p.definition.version,
        "channel": p.channel.value,
        "submitted": iso(p.submitted),
        "time_zone": str(calendar.tz),
        "term": {"norm": p.term, "deadline": iso(p.term_deadline)},
        "steps": [
            {
                "seq": s.seq,
                "id": s.step,
                "role": s.role,
                "norm": s.norm,
                "start": iso(s.start),
                "deadline": iso(s.deadline),
                "outcome": s.outcome,
            }
            for s in p.steps
        ],
        "result": p.result,
    }


def _print_plan(p: Plan, calendar: KzCalendar) -> None:
    typer.echo(
        f"{p.definition.key} via {p.channel.value}, submitted {_show(p.submitted, calendar)} "
        f"({calendar.tz})"
    )
    typer.echo(f"term: {p.term}, deadline {_show(p.term_deadline, calendar)}")
    rows = [("#", "step", "role", "norm", "start", "deadline")]
    rows += [
        (
            str(s.seq),
            s.step,
            s.role,
            s.norm or "-",
            _show(s.start, calendar),
            _show(s.deadline, calendar),
        )
        for s in p.steps
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        typer.echo("  ".join(cells).rstrip())
    if p.result is not None:
        typer.echo(f"result: {p.result}")


def deadlines(
    service: Annotated[
        str,
        typer.Argument(
            help="SERVICE@VERSION, e.g. cultural_values_export@almaty-2018 (code or letter "
            "A..E; without @VERSION: the version in force when submitted)",
            show_default=False,
        ),
    ],
    submitted: Annotated[
        str,
        typer.Option("--submitted", help="'YYYY-MM-DD HH:MM', Almaty time", show_default=False),
    ],
    channel: Annotated[
        Channel | None,
        typer.Option("--channel", help="entry channel; default portal where offered"),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Every step's deadline along the main path, each step taking exactly its norm, and the
    request's term, as the step engine computes them."""
    calendar = KzCalendar()
    try:
        at = parse_local(submitted, calendar)
        catalog = Catalog.from_directory(definitions_dir())
        definition = choose_definition(catalog, service, at)
        result = plan(definition, channel or _default_channel(definition), at)
    except (ValueError, RegulationError) as exc:
        raise _fail("deadlines", exc) from None
    if as_json:
        typer.echo(json.dumps(_plan_json(result, calendar), ensure_ascii=False))
    else:
        _print_plan(result, calendar)
