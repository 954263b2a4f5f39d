"""The gateway console: the operator's pages, beside the API and on the same service calls
(the message log, re-drive and stop, the rule book), never through the gateway's own HTTP API.

- ``GET /console/messages``: the log, filtered, newest first, a page at a time; and
  ``GET /console/trace``, ``/console/trace/{correlation_id}``: a journey as a sequence
  diagram. The gateway operator; the simulation operator too, with IINs and BINs masked.
- ``GET /console/parked``, ``POST /console/parked/{message_id}/{recipient}/redrive`` and
  ``.../stop``: parked messages; ``GET /console/rules``, ``POST /console/rules/reload``: the
  rules in force; ``GET /console/traffic``: traffic per route over time. The gateway operator.

Who may open which is ``shared.authz.ROUTES`` (auth ``page``), checked by the page guard on the
certificate the operator signed in with (``shared.pages.signin``)."""

# No ``from __future__ import annotations``: FastAPI reads the routes' annotations when they
# are declared, and the ``SignedIn`` alias is local to console_router.
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated
from urllib.parse import parse_qsl, quote, urlencode

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gateway_svc.gateway import Gateway
from gateway_svc.messagelog import DeliveryState, Query
from gateway_svc.pages.svg import OTHER, WINDOWS, sequence_diagram, traffic_chart
from gateway_svc.pages.texts import TEXTS
from gateway_svc.pages.views import CENTRAL, REGIONAL_PREFIX, hops_of, row_of, visible
from gateway_svc.rules import RulesError, Words
from shared import correlation
from shared.authz import FULL_IDENTIFIERS, Caller
from shared.envelope import SYSTEM_ID_PATTERN
from shared.pages.forms import refuse_foreign_origin
from shared.pages.languages import Language
from shared.pages.render import Pages
from shared.pages.sessions import BrowserSessions
from shared.pages.signin import page_guard

SERVICE = "gateway"
TEMPLATES = Path(__file__).parent / "templates"
NAV = (
    ("/console/messages", "gw.nav.messages"),
    ("/console/trace", "gw.nav.trace"),
    ("/console/parked", "gw.nav.parked"),
    ("/console/rules", "gw.nav.rules"),
    ("/console/traffic", "gw.nav.traffic"),
)
PAGE_SIZE = 50
PARKED_PAGE_SIZE = 50
_SYSTEM_ID = re.compile(SYSTEM_ID_PATTERN)
_MAX_FORM_BYTES = 16 * 1024


def console_pages() -> Pages:
    return Pages(SERVICE, TEMPLATES, TEXTS, title_key="service.gateway", nav=NAV)


# --- small helpers of the forms ------------------------------------------------------------


async def form_fields(request: Request) -> dict[str, str]:
    """The fields of a posted form (``application/x-www-form-urlencoded``, UTF-8); anything
    else, or more than a console form can hold, reads as no fields (so each is missing)."""
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        return {}
    body = await request.body()
    if len(body) > _MAX_FORM_BYTES:
        return {}
    try:
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=20))
    except (UnicodeDecodeError, ValueError):
        return {}


def _instant(text: str) -> datetime:
    """A time as typed in a filter (``2025-03-01 14:30``, ``2025-03-01T14:30``, with seconds
    or an offset); without an offset it is UTC, as the log's times are shown."""
    value = datetime.fromisoformat(text.strip())
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


@dataclass
class Filters:
    """The message list's filters as typed, and what was wrong with them (text keys)."""

    sender: str = ""
    recipient: str = ""
    correlation_id: str = ""
    message_id: str = ""
    since: str = ""
    until: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    def query(self, limit: int) -> Query:
        def instant(name: str) -> datetime | None:
            text = getattr(self, name)
            if not text:
                return None
            try:
                return _instant(text)
            except ValueError:
                self.errors[name] = "gw.bad_time"
                return None

        for name in ("sender", "recipient"):
            value = getattr(self, name)
            if value and (len(value) > 128 or not _SYSTEM_ID.fullmatch(value)):
                self.errors[name] = "gw.bad_system"
        for name in ("correlation_id", "message_id"):
            value = getattr(self, name)
            if value and not correlation.is_valid(value):
                self.errors[name] = "gw.bad_id"
        since, until = instant("since"), instant("until")
        if since is not None and until is not None and until <= since:
            self.errors["until"] = "gw.bad_range"
        return Query(
            self.message_id or None,
            self.correlation_id or None,
            self.sender or None,
            self.recipient or None,
            since,
            until,
            limit,
        )

    def link(self, **extra: str) -> str:
        values = {
            k: v
            for k, v in (
                ("sender", self.sender),
                ("recipient", self.recipient),
                ("correlation_id", self.correlation_id),
                ("message_id", self.message_id),
                ("since", self.since),
                ("until", self.until),
                *extra.items(),
            )
            if v
        }
        return "/console/messages" + (f"?{urlencode(values)}" if values else "")


def lane_namer(
    regions: Mapping[str, Words],
) -> Callable[[str, Language], tuple[str, dict[str, str]]]:
    """How a diagram names its lanes: a text key and its values. A regional gateway is named by
    its region's name in the reader's language, as the rules in force give it (by the region's
    id when they no longer name it); a system's id is shown as it is."""

    def lane_name(lane: str, language: Language) -> tuple[str, dict[str, str]]:
        if lane == CENTRAL:
            return "gw.lane.central", {}
        if lane.startswith(REGIONAL_PREFIX):
            region = lane.removeprefix(REGIONAL_PREFIX)
            name = regions.get(region)
            return "gw.lane.regional", {
                "region": region if name is None else name.in_language(language)
            }
        return "", {"id": lane}

    return lane_name


def sync_providers(gateway: Gateway) -> dict[str, str]:
    """Each sync service's provider, in the rules in force."""
    services = gateway.rules.current.file.sync_services
    return {name: service.provider for name, service in services.items()}


# --- the pages -------------------------------------------------------------------------------


def console_router(gateway: Gateway, sessions: BrowserSessions) -> APIRouter:
    router = APIRouter(tags=["pages"])
    SignedIn = Annotated[Caller, Depends(page_guard(SERVICE, sessions))]

    def pages(request: Request) -> Pages:
        found: Pages = request.app.state.pages
        return found

    @router.get(
        "/console/messages", response_class=HTMLResponse, summary="The message log, filtered"
    )
    async def messages(
        request: Request,
        caller: SignedIn,
        sender: str = "",
        recipient: str = "",
        correlation_id: str = "",
        message_id: str = "",
        since: str = "",
        until: str = "",
        before: str = "",
    ) -> HTMLResponse:
        filters = Filters(
            sender.strip(),
            recipient.strip(),
            correlation_id.strip(),
            message_id.strip(),
            since.strip(),
            until.strip(),
        )
        query = filters.query(PAGE_SIZE + 1)
        position: int | None = None
        if before:
            if before.isdigit() and len(before) < 19:
                position = int(before)
            else:
                filters.errors["before"] = "gw.bad_page"
        rows = []
        more = False
        if not filters.errors:
            entries = await gateway.log.newest(query, before=position)
            more = len(entries) > PAGE_SIZE
            providers = sync_providers(gateway)
            rows = [row_of(e, visible(e, caller), providers) for e in entries[:PAGE_SIZE]]
        return pages(request).render(
            request,
            "console_messages.html",
            status=422 if filters.errors else 200,
            filters=filters,
            rows=rows,
            older=filters.link(before=str(rows[-1].position)) if more and rows else None,
            newest=filters.link() if position is not None else None,
            masked=not caller.kinds & FULL_IDENTIFIERS,
            page_size=PAGE_SIZE,
        )

    @router.get("/console/trace", response_class=HTMLResponse, summary="Find a request's trace")
    async def find_trace(request: Request, _caller: SignedIn, correlation_id: str = "") -> Response:
        wanted = correlation_id.strip()
        if wanted and correlation.is_valid(wanted):
            return RedirectResponse(f"/console/trace/{quote(wanted, safe='')}", status_code=303)
        return pages(request).render(
            request,
            "console_trace.html",
            status=422 if wanted else 200,
            correlation_id=wanted,
            error="gw.bad_id" if wanted else None,
            diagram=None,
            rows=[],
            lane_name=lane_namer({}),
            masked=False,
        )

    @router.get(
        "/console/trace/{correlation_id}",
        response_class=HTMLResponse,
        summary="A request's journey as a sequence diagram",
    )
    async def trace(request: Request, caller: SignedIn, correlation_id: str) -> HTMLResponse:
        if not correlation.is_valid(correlation_id):
            entries = []
        else:
            entries = [(e, visible(e, caller)) for e in await gateway.log.trace(correlation_id)]
        providers = sync_providers(gateway)
        hops = hops_of(entries, providers)
        return pages(request).render(
            request,
            "console_trace.html",
            status=200 if entries else 404,
            correlation_id=correlation_id,
            error=None if entries else "gw.trace.none",
            diagram=sequence_diagram(hops) if hops else None,
            rows=[row_of(e, data, providers) for e, data in entries],
            lane_name=lane_namer(gateway.rules.current.file.regions),
            masked=not caller.kinds & FULL_IDENTIFIERS,
        )

    async def parked_page(
        request: Request,
        *,
        page: int = 1,
        status: int = 200,
        notice: tuple[str, dict[str, str]] | None = None,
        error: tuple[str, str, str] | None = None,
        reason: str = "",
    ) -> HTMLResponse:
        parked = await gateway.log.parked()
        pages_count = max((len(parked) + PARKED_PAGE_SIZE - 1) // PARKED_PAGE_SIZE, 1)
        page = min(max(page, 1), pages_count)
        shown = parked[(page - 1) * PARKED_PAGE_SIZE : page * PARKED_PAGE_SIZE]
        return pages(request).render(
            request,
            "console_parked.html",
            status=status,
            parked=shown,
            total=len(parked),
            page=page,
            pages_count=pages_count,
            notice=notice,
            error=error,
            reason=reason,
        )

    @router.get("/console/parked", response_class=HTMLResponse, summary="Parked messages")
    async def parked(
        request: Request,
        _caller: SignedIn,
        page: str = "1",
        done: str = "",
        message_id: str = "",
        recipient: str = "",
        state: str = "",
    ) -> HTMLResponse:
        notice: tuple[str, dict[str, str]] | None = None
        if done in ("redriven", "stopped") and message_id and recipient:
            key = "gw.redriven" if done == "redriven" else "gw.stopped"
            notice = (key, {"message_id": message_id, "recipient": recipient, "state": state})
        number = int(page) if page.isdigit() and len(page) < 9 else 1
        return await parked_page(request, page=number, notice=notice)

    @router.post(
        "/console/parked/{message_id}/{recipient}/redrive",
        response_class=HTMLResponse,
        summary="Deliver a parked message again",
    )
    async def redrive(
        request: Request, _caller: SignedIn, message_id: str, recipient: str
    ) -> Response:
        refuse_foreign_origin(request)
        try:
            state = await gateway.redrive(message_id, recipient)
        except LookupError:
            return pages(request).error(request, 404, "gw.not_parked")
        query = urlencode(
            {
                "done": "redriven",
                "message_id": message_id,
                "recipient": recipient,
                "state": state.value,
            }
        )
        return RedirectResponse(f"/console/parked?{query}", status_code=303)

    @router.post(
        "/console/parked/{message_id}/{recipient}/stop",
        response_class=HTMLResponse,
        summary="Stop delivering a parked message, with a reason",
    )
    async def stop(
        request: Request, _caller: SignedIn, message_id: str, recipient: str
    ) -> Response:
        refuse_foreign_origin(request)
        reason = (await form_fields(request)).get("reason", "").strip()
        if not 3 <= len(reason) <= 500:
            return await parked_page(
                request,
                status=422,
                error=(message_id, recipient, "gw.reason_length"),
                reason=reason,
            )
        try:
            await gateway.stop_delivery(message_id, recipient, reason)
        except LookupError:
            return pages(request).error(request, 404, "gw.not_parked")
        query = urlencode(
            {
                "done": "stopped",
                "message_id": message_id,
                "recipient": recipient,
                "state": DeliveryState.DELIVERY_STOPPED.value,
            }
        )
        return RedirectResponse(f"/console/parked?{query}", status_code=303)

    def rules_page(
        request: Request,
        *,
        status: int = 200,
        reloaded: str = "",
        invalid: str | None = None,
    ) -> HTMLResponse:
        rules = gateway.rules.current
        return pages(request).render(
            request,
            "console_rules.html",
            status=status,
            rules=rules.file,
            path=str(gateway.rules.path),
            reloaded=reloaded,
            invalid=invalid,
        )

    @router.get("/console/rules", response_class=HTMLResponse, summary="The rules in force")
    async def rules(request: Request, _caller: SignedIn, reloaded: str = "") -> HTMLResponse:
        return rules_page(request, reloaded=reloaded if reloaded.isdigit() else "")

    @router.post(
        "/console/rules/reload", response_class=HTMLResponse, summary="Reload the access rules"
    )
    async def reload_rules(request: Request, _caller: SignedIn) -> Response:
        refuse_foreign_origin(request)
        try:
            loaded = await gateway.rules.reload()
        except RulesError as exc:
            # Nothing changed: the previous rules stay, and the page says why.
            return rules_page(request, status=422, invalid=str(exc))
        return RedirectResponse(f"/console/rules?reloaded={loaded.version}", status_code=303)

    @router.get(
        "/console/traffic", response_class=HTMLResponse, summary="Traffic per route over time"
    )
    async def traffic(request: Request, _caller: SignedIn, window: str = "1h") -> HTMLResponse:
        chosen = WINDOWS.get(window)
        status = 200
        if chosen is None:
            chosen, status = WINDOWS["1h"], 422
        until = gateway.log.clock.now()
        entries = await gateway.log.recent(until - chosen.length)
        return pages(request).render(
            request,
            "console_traffic.html",
            status=status,
            chart=traffic_chart(entries, chosen, until),
            windows=list(WINDOWS),
            bad_window=status == 422,
            other=OTHER,
        )

    return router


def mount_pages(app: FastAPI, gateway: Gateway, sessions: BrowserSessions) -> None:
    """The console on ``app``: its pages (texts, templates, menu) and routes."""
    app.state.pages = console_pages()
    app.include_router(console_router(gateway, sessions))
