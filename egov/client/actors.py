"""The people of a journey, each with their own certificate: the applicant at the portal (the
portal's script client, ``portal_svc.sdk.PortalClient``), the Public Service Center operator at
the desk, the provider's staff at a workstation and E-licensing's staff. Staff and operators sign
every call with their own key; results are signed with it too (the draft's canonical JSON)."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

import httpx

from egov.client.errors import ClientError
from egov.client.http import ServiceHttp
from egov.client.keys import IssuedKey
from portal_svc.sdk import Attachment, PortalClient, PortalRefused
from shared.canonical import canonical_json

T = TypeVar("T")

# Answers that mean "this action issues a signed document: fetch the draft and sign it".
_SIGN_FIRST = frozenset({"signature_required", "SIGNATURE_REQUIRED", "NO_DRAFT"})


async def _act(
    call: Callable[..., Awaitable[Any]],
    path: str,
    body: dict[str, Any],
    sign: bool | None,
    signature: Callable[[], Awaitable[str]],
) -> dict[str, Any]:
    """POST a staff action to ``path``: signed first when ``sign``; unsigned, and signed after
    all when ``sign`` is None and the service answers that the step issues a signed document."""

    async def signed() -> dict[str, Any]:
        return dict(
            await call("POST", path, json_body={**body, "document_signature": await signature()})
        )

    if sign:
        return await signed()
    try:
        return dict(await call("POST", path, json_body=body))
    except ClientError as exc:
        if sign is None and exc.code in _SIGN_FIRST:
            return await signed()
        raise


async def _portal(call: Awaitable[T]) -> T:
    try:
        return await call
    except PortalRefused as exc:
        message = str(exc.body.get("message", ""))
        raise ClientError("portal", exc.status, exc.code, message, exc.body) from None
    except httpx.HTTPError as exc:
        raise ClientError("portal", 0, "unreachable", repr(exc)) from None


class Applicant:
    """An applicant (an individual, or a legal entity's signer with ``bin_``) at the portal."""

    def __init__(self, portal: httpx.AsyncClient, key: IssuedKey, *, bin_: str | None = None):
        if key.iin is None:
            raise ValueError(f"certificate {key.serial} carries no IIN")
        self.key = key
        self.iin: str = key.iin
        self.bin = bin_
        self._http = ServiceHttp("portal", portal)
        self._portal = PortalClient(portal)

    async def register(self, password: str) -> None:
        await _portal(self._portal.register(self.key.signer, password, bin_=self.bin))

    async def login(self, password: str) -> None:
        await _portal(self._portal.login(self.iin, password, bin_=self.bin))

    def use_session(self, token: str) -> None:
        """Act in a session opened before (``POST /auth/login``'s token, kept by the caller)."""
        self._portal._headers["Authorization"] = f"Bearer {token}"

    async def login_with_key(self, auth_key: IssuedKey) -> None:
        """Challenge login with an authentication key (``purpose=auth``)."""
        await _portal(self._portal.login_with_key(auth_key.signer, bin_=self.bin))

    async def submit(
        self,
        service: str,
        form: Mapping[str, Any],
        attachments: Sequence[Attachment] = (),
        *,
        signer: IssuedKey | None = None,
    ) -> str:
        """Draft (the version in force on the portal's date), form, attachments, signature by
        ``signer`` (default: the applicant's own key), send. Returns the request id."""
        return str((await self.file(service, form, attachments, signer=signer))["request_id"])

    async def file(
        self,
        service: str,
        form: Mapping[str, Any],
        attachments: Sequence[Attachment] = (),
        *,
        signer: IssuedKey | None = None,
    ) -> dict[str, Any]:
        """As :meth:`submit`, returning the portal's whole answer (``request_id``, ``status``)."""
        key = signer or self.key
        return await _portal(self._portal.submit(key.signer, service, form, list(attachments)))

    async def request(self, request_id: str) -> dict[str, Any]:
        """The cabinet's view: service, version, status, deadline, history (status, step, at)."""
        return await _portal(self._portal.request(request_id))

    async def statuses(self, request_id: str) -> list[str]:
        return [str(h["status"]) for h in (await self.request(request_id))["history"]]

    async def requests(self) -> list[dict[str, Any]]:
        found = await self._http.call("GET", "/cabinet/requests", headers=self._portal_headers())
        return list(found["requests"])

    async def result(self, request_id: str) -> dict[str, Any]:
        """The signed result as it arrived (404 ``no_result_yet`` before)."""
        path = f"/cabinet/requests/{request_id}/result"
        return dict(await self._http.call("GET", path, headers=self._portal_headers()))

    def _portal_headers(self) -> dict[str, str]:
        # The session token PortalClient holds after login (one session per applicant).
        return dict(self._portal._headers)


class PscOperator:
    """A Public Service Center operator: a certificate whose BIN is a center's (portal_svc.psc);
    every ``/psc`` call and the request itself are signed with it."""

    def __init__(self, portal: httpx.AsyncClient, key: IssuedKey) -> None:
        self.key = key
        self._http = ServiceHttp("portal", portal)

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        return await self._http.call(method, path, signer=self.key.signer, **kwargs)

    async def submit(
        self,
        service: str,
        applicant_iin: str,
        form: Mapping[str, Any],
        attachments: Sequence[Attachment] = (),
    ) -> str:
        """The desk's whole intake (004 p.7): draft for the applicant (checked in the persons
        registry), form, scans, the operator's signature, send. Returns the request id."""
        return str((await self.file(service, applicant_iin, form, attachments))["request_id"])

    async def file(
        self,
        service: str,
        applicant_iin: str,
        form: Mapping[str, Any],
        attachments: Sequence[Attachment] = (),
    ) -> dict[str, Any]:
        """As :meth:`submit`, returning the desk's answer (``request_id``, ``status``, ``desk``)."""
        draft = await self._call(
            "POST", "/psc/requests", json_body={"service": service, "applicant_iin": applicant_iin}
        )
        base = f"/psc/requests/{draft['request_id']}"
        await self._call("PUT", f"{base}/form", json_body={"form": dict(form)})
        for item in attachments:
            await self._call(
                "PUT",
                f"{base}/documents/{item.code}",
                params={"name": item.name},
                content=item.content,
                headers={"Content-Type": item.media_type},
            )
        payload = await self._call("GET", f"{base}/signing-payload")
        signature = self.key.signer.sign(str(payload["payload"]).encode())
        sent = await self._call("POST", f"{base}/sign", json_body={"signature": signature})
        return {"request_id": draft["request_id"], "status": sent["status"], "desk": draft["desk"]}

    async def requests(self, *, uncollected_days: int | None = None) -> list[dict[str, Any]]:
        found = await self._call(
            "GET", "/psc/requests", params={"uncollected_days": uncollected_days}
        )
        return list(found["requests"])

    async def request(self, request_id: str) -> dict[str, Any]:
        for row in await self.requests():
            if row["request_id"] == request_id:
                return dict(row)
        raise ClientError("portal", 404, "request_not_found", f"no {request_id} at this desk")

    async def statuses(self, request_id: str) -> list[str]:
        return [str(h["status"]) for h in (await self.request(request_id))["history"]]

    async def hand_out(
        self, request_id: str, how: str = "in_person", email: str | None = None
    ) -> dict[str, Any]:
        body = {"how": how, "email": email}
        return dict(
            await self._call("POST", f"/psc/requests/{request_id}/hand-out", json_body=body)
        )


class ProviderStaff:
    """A staff member of one provider workstation (``provider.almaty.culture``, ...), on its
    roster, signing every call with their own employee certificate of the workstation's
    department (its BIN: the workstation accepts no other)."""

    def __init__(self, provider: httpx.AsyncClient, key: IssuedKey, workstation: str) -> None:
        self.key = key
        self.workstation = workstation
        self._http = ServiceHttp("provider", provider)
        self._base = f"/provider/workstations/{workstation}"

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        return await self._http.call(method, self._base + path, signer=self.key.signer, **kwargs)

    async def inbox(self) -> list[dict[str, Any]]:
        return list((await self.desk())["requests"])

    async def desk(self) -> dict[str, Any]:
        """The inbox as the workstation answers it: who I am there (``staff``: IIN, name,
        roles on its roster) and the ``requests`` waiting for my roles."""
        return dict(await self._call("GET", "/inbox"))

    async def request(self, request_id: str) -> dict[str, Any]:
        """Status, current step and role, deadlines, allowed actions, result, history."""
        return dict(await self._call("GET", f"/requests/{request_id}"))

    async def overdue(self) -> list[dict[str, Any]]:
        return list(await self._call("GET", "/overdue"))

    async def sla(self) -> dict[str, Any]:
        return dict(await self._call("GET", "/sla"))

    async def draft(
        self, request_id: str, outcome: str, grounds: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"outcome": outcome}
        if grounds is not None:
            body["grounds"] = dict(grounds)
        return dict(await self._call("POST", f"/requests/{request_id}/draft", json_body=body))

    async def act(
        self,
        request_id: str,
        step: str,
        outcome: str,
        *,
        grounds: Mapping[str, str] | None = None,
        sign: bool | None = None,
    ) -> dict[str, Any]:
        """Finish ``step`` with ``outcome``. ``sign``: True signs the result draft with this
        member's key, False never, None (default) when the workstation asks for a signature."""
        body: dict[str, Any] = {"step": step, "outcome": outcome}
        if grounds is not None:
            body["grounds"] = dict(grounds)

        async def signature() -> str:
            document = await self.draft(request_id, outcome, grounds)
            return self.key.signer.sign(canonical_json(document))

        path = f"/requests/{request_id}/actions"
        return await _act(self._call, path, body, sign, signature)

    async def paper_application(
        self,
        service: str,
        applicant_iin: str,
        form: Mapping[str, Any],
        documents: Sequence[Attachment] = (),
    ) -> str:
        """A paper application registered at the office with its scans' hashes; the request id."""
        scans = [
            {"code": d.code, "name": d.name, "sha256": hashlib.sha256(d.content).hexdigest()}
            for d in documents
        ]
        body = {
            "service": service,
            "applicant_iin": applicant_iin,
            "form": dict(form),
            "documents": scans,
        }
        found = await self._call("POST", "/paper-applications", json_body=body)
        return str(found["request_id"])


class ElicenseStaff:
    """A staff member of a provider in E-licensing's directory (IIN → provider, roles)."""

    def __init__(self, elicense: httpx.AsyncClient, key: IssuedKey) -> None:
        self.key = key
        self._http = ServiceHttp("elicense", elicense)

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        return await self._http.call(method, path, signer=self.key.signer, **kwargs)

    async def intake(
        self,
        request_id: str,
        service: str,
        *,
        applicant_iin: str | None = None,
        applicant_bin: str | None = None,
        form: Mapping[str, Any] | None = None,
        documents: Sequence[Attachment] = (),
    ) -> dict[str, Any]:
        """Processes 3-7 at the office: the applicant entered, the request registered."""
        body = {
            "request_id": request_id,
            "service": service,
            "applicant_iin": applicant_iin,
            "applicant_bin": applicant_bin,
            "form": dict(form or {}),
            "documents": [_scan(d) for d in documents],
        }
        return dict(await self._call("POST", "/staff/requests", json_body=body))

    async def attach(self, request_id: str, documents: Sequence[Attachment]) -> dict[str, Any]:
        body = {"documents": [_scan(d) for d in documents]}
        path = f"/staff/requests/{request_id}/documents"
        return dict(await self._call("POST", path, json_body=body))

    async def requests(self) -> list[dict[str, Any]]:
        return list(await self._call("GET", "/staff/requests"))

    async def request(self, request_id: str) -> dict[str, Any]:
        return dict(await self._call("GET", f"/staff/requests/{request_id}"))

    async def permit_draft(self, request_id: str) -> dict[str, Any]:
        return dict(await self._call("POST", f"/staff/requests/{request_id}/permit-draft"))

    async def act(
        self, request_id: str, step: str, outcome: str, *, sign: bool | None = None
    ) -> dict[str, Any]:
        """Finish ``step``; at the signing step the permit draft is fetched and signed with this
        member's key (``sign`` as for :meth:`ProviderStaff.act`)."""
        body: dict[str, Any] = {"step": step, "outcome": outcome}

        async def signature() -> str:
            draft = await self.permit_draft(request_id)
            return self.key.signer.sign(base64.b64decode(draft["signing_bytes_base64"]))

        path = f"/staff/requests/{request_id}/actions"
        return await _act(self._call, path, body, sign, signature)

    async def permit(self, number: str) -> dict[str, Any]:
        """The whole permit, holder and document included (the public check gives validity)."""
        return dict(await self._call("GET", f"/permits/{number}"))

    async def permit_command(
        self, number: str, command: str, reason: str, *, document_signature: str | None = None
    ) -> dict[str, Any]:
        body = {"reason": reason, "document_signature": document_signature}
        path = f"/staff/permits/{number}/{command}"
        return dict(await self._call("POST", path, json_body=body))


def _scan(document: Attachment) -> dict[str, str]:
    return {
        "code": document.code,
        "name": document.name,
        "content_base64": base64.b64encode(document.content).decode(),
        "media_type": document.media_type,
    }
