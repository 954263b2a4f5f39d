"""The geometry of the console's two drawings, computed here and drawn as inline SVG by the
templates (so every text in them is escaped by Jinja like any other): a request's journey as a
sequence diagram, and the traffic per route over time as stacked bars. Pure functions of what
they are given."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from gateway_svc.messagelog import LogEntry, Record
from gateway_svc.pages.views import BAD, CENTRAL, REGIONAL_PREFIX, Hop

# --- the sequence diagram -------------------------------------------------------------------

TIME_COLUMN = 120  # the hops' times, left of the first lifeline
LANE_WIDTH = 190
HEADER = 56  # the lanes' name boxes
ROW = 52
FOOTER = 24


@dataclass(frozen=True)
class Lane:
    id: str  # a system id, or views.CENTRAL / REGIONAL_PREFIX + region
    x: float


@dataclass(frozen=True)
class Arrow:
    hop: Hop
    x1: float
    x2: float
    y: float
    elapsed_ms: int  # since the journey's first hop

    @property
    def middle(self) -> float:
        return (self.x1 + self.x2) / 2

    @property
    def dashed(self) -> bool:
        return self.hop.outcome == "pending"

    @property
    def failed(self) -> bool:
        return self.hop.outcome == BAD


@dataclass(frozen=True)
class SequenceDiagram:
    width: float
    height: float
    lanes: list[Lane]
    arrows: list[Arrow]
    lifeline_top: float
    lifeline_bottom: float
    total_ms: int


def sequence_diagram(hops: Sequence[Hop]) -> SequenceDiagram:
    """The first sender's lane, then the gateway's (central, then regional), then every other
    system in the order the journey meets it; an arrow per hop, top to bottom."""
    met: list[str] = []
    for hop in hops:
        for lane in (hop.source, hop.target):
            if lane not in met:
                met.append(lane)

    def group(lane: str) -> int:
        if hops and lane == hops[0].source:
            return 0
        if lane == CENTRAL:
            return 1
        return 2 if lane.startswith(REGIONAL_PREFIX) else 3

    order = sorted(met, key=lambda lane: (group(lane), met.index(lane)))
    lanes = [Lane(name, TIME_COLUMN + LANE_WIDTH * (i + 0.5)) for i, name in enumerate(order)]
    x = {lane.id: lane.x for lane in lanes}
    start = hops[0].time if hops else None
    arrows = [
        Arrow(
            hop,
            x[hop.source],
            x[hop.target],
            HEADER + ROW * (i + 0.75),
            int((hop.time - start).total_seconds() * 1000) if start else 0,
        )
        for i, hop in enumerate(hops)
    ]
    bottom = HEADER + ROW * len(hops) + 8
    return SequenceDiagram(
        width=TIME_COLUMN + LANE_WIDTH * len(lanes) + 8,
        height=bottom + FOOTER,
        lanes=lanes,
        arrows=arrows,
        lifeline_top=HEADER - 14,
        lifeline_bottom=bottom,
        total_ms=arrows[-1].elapsed_ms if arrows else 0,
    )


# --- the traffic chart ------------------------------------------------------------------------

# Okabe-Ito: told apart with the common colour-vision deficiencies; grey for the rest.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#8C6D1F", "#000000")
OTHER_COLOUR = "#999999"
OTHER = ""  # the key of "other routes" (its name is a text of the page's language)

CHART_WIDTH = 760
CHART_HEIGHT = 300
AXIS_LEFT = 48
AXIS_BOTTOM = 40
CHART_TOP = 12


@dataclass(frozen=True)
class Window:
    """A period the chart covers and how long one bar is."""

    key: str
    length: timedelta
    bucket: timedelta


WINDOWS: dict[str, Window] = {
    w.key: w
    for w in (
        Window("1h", timedelta(hours=1), timedelta(minutes=5)),
        Window("6h", timedelta(hours=6), timedelta(minutes=30)),
        Window("24h", timedelta(hours=24), timedelta(hours=1)),
        Window("7d", timedelta(days=7), timedelta(hours=6)),
    )
}


def route_of(entry: LogEntry) -> str | None:
    """``sender→recipient/type`` of an accepted message or a sync call; None for any other
    record (a refused message's route is only what it claimed)."""
    data = entry.data
    if entry.record == Record.ACCEPTED:
        return f"{data.get('sender')}→{data.get('recipient')}/{data.get('type')}"
    if entry.record == Record.SYNC_REQUEST:
        return f"{data.get('sender')}→{data.get('provider')}/{data.get('service_id')}"
    return None


@dataclass(frozen=True)
class Series:
    route: str  # OTHER for the routes beyond the palette
    colour: str
    total: int


@dataclass(frozen=True)
class Bar:
    series: Series
    start: datetime
    count: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class TrafficChart:
    window: Window
    since: datetime
    until: datetime
    series: list[Series]
    bars: list[Bar]
    y_ticks: list[tuple[float, int]]
    x_ticks: list[tuple[float, datetime]]
    refused: int
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT
    left: int = AXIS_LEFT
    top: int = CHART_TOP
    bottom: float = CHART_HEIGHT - AXIS_BOTTOM

    @property
    def total(self) -> int:
        return sum(s.total for s in self.series)


def _nice_ceiling(value: int) -> int:
    """The smallest 1, 2 or 5 times a power of ten at or above ``value`` (at least 1)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def traffic_chart(entries: Iterable[LogEntry], window: Window, until: datetime) -> TrafficChart:
    """Stacked bars of accepted messages and sync calls per route in each interval of
    ``window`` ending at ``until``; the busiest routes get a colour each, the rest one grey."""
    since = until - window.length
    count = int(window.length / window.bucket)
    per_bucket: list[Counter[str]] = [Counter() for _ in range(count)]
    totals: Counter[str] = Counter()
    refused = 0
    for entry in entries:
        if not since <= entry.recorded_at < until:
            continue
        if entry.record == Record.REJECTED:
            refused += 1
            continue
        route = route_of(entry)
        if route is None:
            continue
        index = int((entry.recorded_at - since) / window.bucket)
        per_bucket[min(index, count - 1)][route] += 1
        totals[route] += 1
    ranked = sorted(totals.items(), key=lambda item: (-item[1], item[0]))
    named = ranked[: len(PALETTE)]
    series = [Series(route, PALETTE[i], n) for i, (route, n) in enumerate(named)]
    rest = sum(n for _, n in ranked[len(PALETTE) :])
    if rest:
        series.append(Series(OTHER, OTHER_COLOUR, rest))
    of_route = {s.route: s for s in series}
    top = _nice_ceiling(max((sum(c.values()) for c in per_bucket), default=0))
    plot_height = CHART_HEIGHT - AXIS_BOTTOM - CHART_TOP
    slot = (CHART_WIDTH - AXIS_LEFT - 8) / count
    bars: list[Bar] = []
    for index, counts in enumerate(per_bucket):
        base = float(CHART_HEIGHT - AXIS_BOTTOM)
        merged: Counter[str] = Counter()
        for route, n in counts.items():
            merged[route if route in of_route else OTHER] += n
        for one in series:
            n = merged.get(one.route, 0)
            if not n:
                continue
            height = plot_height * n / top
            base -= height
            bars.append(
                Bar(
                    one,
                    since + window.bucket * index,
                    n,
                    AXIS_LEFT + slot * index + 2,
                    base,
                    max(slot - 4, 1),
                    height,
                )
            )
    y_ticks = [
        (CHART_HEIGHT - AXIS_BOTTOM - plot_height * value / top, value)
        for value in sorted({0, top // 2, top})
    ]
    every = max(count // 6, 1)
    x_ticks = [
        (AXIS_LEFT + slot * i, since + window.bucket * i) for i in range(0, count + 1, every)
    ]
    return TrafficChart(window, since, until, series, bars, y_ticks, x_ticks, refused)
