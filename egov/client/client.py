"""THE typed async client of a running topology (``egov run``, ``egov up`` or any host with the
five services): the scenario runner, the load generator and the fault tests drive a topology
through it, and nothing else writes these calls again.

    operators = OperatorKeys.load(data_dir)
    async with TopologyClient(TopologyUrls.defaults(), operators=operators) as topo:
        key = await topo.issue_person(iin, "Seitkalieva", "Aigerim")
        await topo.register_person(iin, "Seitkalieva", "Aigerim")      # in ГБД ФЛ
        applicant = topo.applicant(key)
        await applicant.register("Qazaqstan2019"); await applicant.login("Qazaqstan2019")
        rid = await applicant.submit("cultural_values_export", form, [attachment])
        await topo.until(lambda: applicant.statuses(rid), lambda s: "registered" in s)

``operators`` are the provisioned operators' keys (:class:`egov.client.keys.OperatorKeys`):
issuing, revoking and registering people are signed by the registration authority's operator,
the gateway's message log and parked messages by the gateway's operator, clock moves by the
simulation operator (shared.authz says who may call what).
"""

from __future__ import annotations

import asyncio
import base64
import secrets
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import date, datetime, timedelta
from types import TracebackType
from typing import Any, TypeVar

import httpx

from egov.client.actors import Applicant, ElicenseStaff, ProviderStaff, PscOperator
from egov.client.errors import ClientError
from egov.client.http import ServiceHttp
from egov.client.keys import IssuedKey, OperatorKeys, signer_from_pkcs12
from egov.client.topology import SERVICES, TopologyUrls
from shared.clock import as_utc
from shared.ids import parse_iin, path_key
from shared.signing import Signer

T = TypeVar("T")

CLOCK_PATH = "/simulation/clock"
# The services whose business runs on the simulated clock (egov.stack.CLOCKED): they serve
# /simulation/clock when simulation control is on; the gateway and the НУЦ keep real time.
CLOCKED = ("portal", "elicense", "provider")


class TopologyClient:
    """One ``httpx.AsyncClient`` per service, shared by every actor made from this client."""

    def __init__(
        self,
        urls: TopologyUrls,
        *,
        operators: OperatorKeys | None = None,
        timeout_s: float = 30.0,
        max_connections: int = 100,
    ) -> None:
        self.urls = urls
        self.operators = operators or OperatorKeys()
        # Idle connections are dropped before the servers drop them (uvicorn: 5 s), so a request
        # is never written to a connection the server is closing (a ReadError, not a refusal).
        limits = httpx.Limits(max_connections=max_connections, keepalive_expiry=2.0)
        self._clients = {
            s: httpx.AsyncClient(base_url=urls.of(s), timeout=timeout_s, limits=limits)
            for s in SERVICES
        }
        self._http = {s: ServiceHttp(s, c) for s, c in self._clients.items()}

    async def __aenter__(self) -> TopologyClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()

    def http(self, service: str) -> ServiceHttp:
        return self._http[service]

    # --- actors --------------------------------------------------------------------------------

    def applicant(self, key: IssuedKey, *, bin_: str | None = None) -> Applicant:
        return Applicant(self._clients["portal"], key, bin_=bin_)

    def psc_operator(self, key: IssuedKey) -> PscOperator:
        return PscOperator(self._clients["portal"], key)

    def provider_staff(self, key: IssuedKey, workstation: str) -> ProviderStaff:
        return ProviderStaff(self._clients["provider"], key, workstation)

    def elicense_staff(self, key: IssuedKey) -> ElicenseStaff:
        return ElicenseStaff(self._clients["elicense"], key)

    # --- health --------------------------------------------------------------------------------

    async def health(self) -> dict[str, tuple[int, Any]]:
        """Each service's ``GET /health``: (HTTP status, body); status 0 when unreachable."""

        async def one(service: str) -> tuple[int, Any]:
            try:
                response = await self._clients[service].get("/health")
            except httpx.HTTPError as exc:
                return 0, repr(exc)
            try:
                return response.status_code, response.json()
            except ValueError:
                return response.status_code, response.text

        answers = await asyncio.gather(*(one(s) for s in SERVICES))
        return dict(zip(SERVICES, answers, strict=True))

    async def wait_healthy(
        self, services: Iterable[str] = SERVICES, *, timeout_s: float = 60.0
    ) -> None:
        wanted = tuple(services)

        async def check() -> dict[str, tuple[int, Any]]:
            found = await self.health()
            return {s: found[s] for s in wanted}

        await self.until(
            check,
            lambda found: all(status == 200 for status, _ in found.values()),
            what=f"{', '.join(wanted)} healthy",
            timeout_s=timeout_s,
        )

    # --- the simulation clock ------------------------------------------------------------------

    async def clock(self, service: str = "portal") -> datetime:
        """The service's clock (``GET /simulation/clock``; 404 when simulation control is off)."""
        found = await self._http[service].call("GET", CLOCK_PATH)
        return datetime.fromisoformat(str(found["now"]))

    async def set_clock(
        self, now: datetime, services: Iterable[str] = CLOCKED
    ) -> dict[str, datetime]:
        """Move every service's clock to ``now`` (absolute, forward only: 409 ``clock_backwards``
        before an instant already set; an instant already passed is a no-op). The calls go out
        at once: a service answers after firing the timers now due, which may take a while, and
        the clocks of separate processes must agree closely (statuses from several senders are
        ordered by their times)."""
        body = {"now": as_utc(now, "now").isoformat()}
        chosen = tuple(services)
        signer = self._operator(self.operators.simulation, "simulation operator", "move clocks")
        answers = await asyncio.gather(
            *(self._http[s].call("PUT", CLOCK_PATH, json_body=body, signer=signer) for s in chosen)
        )
        return {
            s: datetime.fromisoformat(str(a["now"])) for s, a in zip(chosen, answers, strict=True)
        }

    async def advance_clock(self, delta: timedelta, services: Iterable[str] = SERVICES) -> datetime:
        """Move every clock forward by ``delta`` from the latest of them; the new instant."""
        chosen = tuple(services)
        nows = await asyncio.gather(*(self.clock(s) for s in chosen))
        target = max(nows) + delta
        await self.set_clock(target, chosen)
        return target

    # --- the НУЦ (registry_svc) ----------------------------------------------------------------

    @staticmethod
    def _operator(signer: Signer | None, who: str, what: str) -> Signer:
        if signer is None:
            raise ClientError(
                "client",
                0,
                "no_operator_key",
                f"only the {who} may {what}: give TopologyClient(operators=...) the topology's "
                "operator keys (egov.client.keys.OperatorKeys.load(data_dir))",
            )
        return signer

    def _admin(self) -> Signer:
        """The registration authority's operator (also a registrar)."""
        return self._operator(self.operators.ra, "registration authority", "call the НУЦ")

    def _gateway_operator(self) -> Signer:
        return self._operator(
            self.operators.gateway, "gateway operator", "read the gateway's message log"
        )

    async def issue(self, body: Mapping[str, Any], *, password: str | None = None) -> IssuedKey:
        """``POST /ca/certificates`` with ``body`` (kind, iin, names, bin, role, purpose ...)."""
        secret = password or secrets.token_urlsafe(12)
        found = await self._http["registry"].call(
            "POST", "/ca/certificates", json_body={**body, "password": secret}, signer=self._admin()
        )
        pkcs12 = base64.b64decode(found["pkcs12_base64"])
        signer = signer_from_pkcs12(pkcs12, secret, source=f"certificate {found['serial']}")
        return IssuedKey(str(found["serial"]), str(found["subject"]), signer, pkcs12, secret)

    async def issue_person(
        self,
        iin: str,
        surname: str,
        given_name: str,
        patronymic: str = "",
        *,
        purpose: str = "signing",
    ) -> IssuedKey:
        """An individual's certificate (SERIALNUMBER=IIN...)."""
        return await self.issue(
            {
                "kind": "individual",
                "purpose": purpose,
                "iin": iin,
                "surname": surname,
                "given_name": given_name,
                "patronymic": patronymic,
            }
        )

    async def issue_entity_signer(
        self,
        bin_: str,
        iin: str,
        surname: str,
        given_name: str,
        *,
        organization: str,
        role: str = "employee",
        patronymic: str = "",
        purpose: str = "signing",
    ) -> IssuedKey:
        """A legal entity's signer (its head, an employee): OU=BIN..., the role's OID."""
        return await self.issue(
            {
                "kind": "legal_entity",
                "purpose": purpose,
                "iin": iin,
                "surname": surname,
                "given_name": given_name,
                "patronymic": patronymic,
                "bin": bin_,
                "organization": organization,
                "role": role,
            }
        )

    async def revoke(self, serial: str, reason: str = "keyCompromise") -> dict[str, Any]:
        path = f"/ca/certificates/{serial}/revocation"
        return dict(
            await self._http["registry"].call(
                "POST", path, json_body={"reason": reason}, signer=self._admin()
            )
        )

    async def certificate(self, serial: str) -> dict[str, Any]:
        path = f"/ca/certificates/{serial}"
        return dict(await self._http["registry"].call("GET", path, signer=self._admin()))

    # --- the registries (ГБД ФЛ / ГБД ЮЛ) ------------------------------------------------------

    async def register_person(
        self,
        iin: str,
        surname: str,
        given_name: str,
        *,
        address: str = "Almaty, Abay avenue 1",
        status: str = "active",
    ) -> dict[str, Any]:
        """Put a person in ГБД ФЛ (birth date and gender read from the IIN); an IIN already
        there is left as it is."""
        info = parse_iin(iin)
        body = {
            "iin": iin,
            "surname": {"kk": surname, "ru": surname},
            "name": {"kk": given_name, "ru": given_name},
            "birth_date": _iso(info.birth_date),
            "gender": info.gender.value,
            "address": address,
            "status": status,
        }
        registry = self._http["registry"]
        try:
            return dict(
                await registry.call("POST", "/persons", json_body=body, signer=self._admin())
            )
        except ClientError as exc:
            if exc.status != 409:
                raise
            return await self.person(iin)

    async def person(self, iin: str) -> dict[str, Any]:
        path = f"/persons/{path_key(iin)}"  # a path step ("..") would name another resource
        return dict(await self._http["registry"].call("GET", path, signer=self._admin()))

    async def register_entity(
        self,
        bin_: str,
        name: str,
        head_iin: str,
        *,
        registration_date: date,
        address: str = "Almaty, Abay avenue 1",
    ) -> dict[str, Any]:
        """Put a legal entity in ГБД ЮЛ; a BIN already there is left as it is."""
        body = {
            "bin": bin_,
            "name": {"kk": name, "ru": name},
            "registration_date": registration_date.isoformat(),
            "head_iin": head_iin,
            "address": address,
        }
        registry = self._http["registry"]
        try:
            return dict(
                await registry.call("POST", "/legal-entities", json_body=body, signer=self._admin())
            )
        except ClientError as exc:
            if exc.status != 409:
                raise
            path = f"/legal-entities/{path_key(bin_)}"
            return dict(await registry.call("GET", path, signer=self._admin()))

    # --- the gateway's message log -------------------------------------------------------------

    async def trace(self, correlation_id: str) -> list[dict[str, Any]]:
        """A request's journey through the gateway, in log order ([] when none yet)."""
        try:
            return list(
                await self._http["gateway"].call(
                    "GET", f"/trace/{correlation_id}", signer=self._gateway_operator()
                )
            )
        except ClientError as exc:
            if exc.status == 404:
                return []
            raise

    async def messages(
        self,
        *,
        message_id: str | None = None,
        correlation_id: str | None = None,
        sender: str | None = None,
        recipient: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        params = {
            "message_id": message_id,
            "correlation_id": correlation_id,
            "sender": sender,
            "recipient": recipient,
            "since": since.isoformat() if since else None,
            "until": until.isoformat() if until else None,
            "limit": limit,
        }
        return list(
            await self._http["gateway"].call(
                "GET", "/messages", params=params, signer=self._gateway_operator()
            )
        )

    async def parked(self) -> list[dict[str, Any]]:
        return list(
            await self._http["gateway"].call("GET", "/parked", signer=self._gateway_operator())
        )

    # --- waiting -------------------------------------------------------------------------------

    @staticmethod
    async def until(
        probe: Callable[[], Awaitable[T]],
        done: Callable[[T], bool],
        *,
        what: str,
        timeout_s: float = 30.0,
        every_s: float = 0.1,
        tolerate: Callable[[ClientError], bool] | None = None,
    ) -> T:
        """Call ``probe`` until ``done`` holds for its answer; ``TimeoutError`` naming ``what``
        and the last answer after ``timeout_s``. ``tolerate`` lets a probe fail meanwhile
        (e.g. a 404 before a request arrives)."""
        deadline = time.monotonic() + timeout_s
        last: Any = None
        while True:
            try:
                last = await probe()
                if done(last):
                    return last  # type: ignore[no-any-return]
            except ClientError as exc:
                if tolerate is None or not tolerate(exc):
                    raise
                last = exc
            if time.monotonic() > deadline:
                raise TimeoutError(f"not within {timeout_s:g} s: {what}; last seen: {last!r}")
            await asyncio.sleep(every_s)


def _iso(day: date | None) -> str:
    if day is None:
        raise ValueError("the IIN's date of birth is not a calendar date")
    return day.isoformat()
