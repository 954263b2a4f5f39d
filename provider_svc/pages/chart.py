"""The SLA page's chart: for each step of a service version, the runs on time and the overdue
ones as bars scaled to the busiest step, drawn by the template as inline SVG (no chart library,
no script), with the numbers the table beside it shows. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from provider_svc.pages.present import Names
from shared.pages.languages import Language
from shared.regulation.model import Definition, Norm
from shared.regulation.sla import SlaReport

CHART_WIDTH = 640
LABEL_HEIGHT = 18
BAR_HEIGHT = 16
ROW_HEIGHT = 46
NUMBER_ROOM = 60  # room right of the bars for the counts


LABEL_CHARACTERS = 80  # what fits the chart's width at its font size; the table has all


@dataclass(frozen=True)
class NormView:
    """A norm as the pages say it: ``unit`` names the text (``unit.<unit>``)."""

    amount: int
    unit: str
    low: int | None = None  # the lower end of a range the act gives (004: 15 to 30 days)
    at_most: bool = False


def norm_view(norm: Norm | None) -> NormView | None:
    if norm is None:
        return None
    return NormView(norm.amount, norm.unit.value, norm.min_amount, norm.at_most)


@dataclass(frozen=True)
class DurationView:
    days: int
    clock: str  # hh:mm


@dataclass(frozen=True)
class Bar:
    label: str
    short: str  # the label as the chart shows it
    role: str
    norm: NormView | None
    runs: int
    finished: int
    on_time: int
    late: int
    mean: DurationView | None
    worst: DurationView | None
    y: int  # top of the row in the SVG
    on_time_width: float
    late_width: float


@dataclass(frozen=True)
class Chart:
    title: str  # service and version
    width: int
    height: int
    bars: tuple[Bar, ...]
    requests: int
    finished: int
    late: int
    term: NormView | None
    term_from_steps: bool  # 004: no term of its own, the steps' norms one after another


def _step_norm(definition: Definition, step: str) -> NormView | None:
    try:
        return norm_view(definition.step(step).norm)
    except KeyError:
        return None


def _shortened(label: str) -> str:
    if len(label) <= LABEL_CHARACTERS:
        return label
    return label[: LABEL_CHARACTERS - 1].rstrip() + "…"


def _duration(value: timedelta | None) -> DurationView | None:
    if value is None:
        return None
    minutes = int(value.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    return DurationView(days, f"{hours:02d}:{minutes:02d}")


def sla_charts(
    report: SlaReport, definitions: Mapping[tuple[str, str], Definition], language: Language
) -> list[Chart]:
    """A chart per service version: for each step in the definition's order, the runs done or
    running on time and those overdue (finished after the deadline, or open past it), as bars
    scaled to the busiest step."""
    charts = []
    for totals in report.requests:
        key = (totals.service, totals.version)
        definition = definitions[key]
        names = Names(definition, language)
        order = {s.id: i for i, s in enumerate(definition.steps)}
        steps = sorted(
            (s for s in report.steps if (s.service, s.version) == key),
            key=lambda s: order.get(s.step, len(order)),
        )
        widest = max((s.runs for s in steps), default=0) or 1
        scale = (CHART_WIDTH - NUMBER_ROOM) / widest
        bars = tuple(
            Bar(
                label=names.step(s.step),
                short=_shortened(names.step(s.step)),
                role=names.role(s.role),
                norm=_step_norm(definition, s.step),
                runs=s.runs,
                finished=s.finished,
                on_time=s.runs - s.late,
                late=s.late,
                mean=_duration(s.mean_actual),
                worst=_duration(s.max_actual),
                y=i * ROW_HEIGHT,
                on_time_width=round((s.runs - s.late) * scale, 1),
                late_width=round(s.late * scale, 1),
            )
            for i, s in enumerate(steps)
        )
        charts.append(
            Chart(
                title=f"{names.service()} ({totals.version})",
                width=CHART_WIDTH,
                height=max(ROW_HEIGHT, len(bars) * ROW_HEIGHT),
                bars=bars,
                requests=totals.requests,
                finished=totals.finished,
                late=totals.late,
                term=norm_view(definition.term.norm),
                term_from_steps=definition.term.from_steps,
            )
        )
    return charts
