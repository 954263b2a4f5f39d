"""Staff at their desks from the command line: ``egov provider inbox|show|act`` (a provider
workstation) and ``egov elicense inbox|show|act`` (E-licensing). Every call is signed with the
staff member's own key file (``--as``); an action that issues a signed document (a result, a
permit) fetches the draft the service asks to be signed, signs it with the same key and sends
it again: the logic of :class:`egov.client.ProviderStaff` and :class:`egov.client.ElicenseStaff`,
which the scenario runner uses for the same steps."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer

from egov.client.actors import ElicenseStaff, ProviderStaff
from egov.client.errors import ClientError
from egov.client.http import ServiceHttp
from egov.client.keys import IssuedKey
from egov.client.topology import FoundTopology
from egov.commands._common import (
    GROUNDS_HINT,
    ROSTER_HINT,
    DataDirOption,
    KeyOption,
    KeyPasswordFileOption,
    KeyPasswordOption,
    fail,
    open_key,
    run,
    segment,
    table,
    topology,
    url_option,
    when,
)

ProviderUrl = Annotated[str | None, url_option("provider workstation")]
ElicenseUrl = Annotated[str | None, url_option("E-licensing service")]
WorkstationOption = Annotated[
    str | None,
    typer.Option(
        "--workstation",
        help="e.g. provider.almaty.culture (default: the workstation of the key's BIN)",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="print the service's answer as JSON")]
GroundsKk = Annotated[
    str | None,
    typer.Option("--grounds-kk", help="a refusal's grounds in Kazakh", show_default=False),
]
GroundsRu = Annotated[
    str | None,
    typer.Option("--grounds-ru", help="a refusal's grounds in Russian", show_default=False),
]


class _ProviderDesk(ProviderStaff):
    """ProviderStaff noting the draft it signed, so the command can say what it signed."""

    signed: dict[str, Any] | None = None

    async def draft(
        self, request_id: str, outcome: str, grounds: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        self.signed = await super().draft(request_id, outcome, grounds)
        return self.signed


class _ElicenseDesk(ElicenseStaff):
    signed: dict[str, Any] | None = None

    async def permit_draft(self, request_id: str) -> dict[str, Any]:
        self.signed = await super().permit_draft(request_id)
        return self.signed


def _who(key: IssuedKey) -> str:
    identity = key.signer.identity
    return f"{identity.subject} (IIN {identity.iin}, BIN {identity.bin})"


async def _workstation(http: httpx.AsyncClient, key: IssuedKey, given: str | None) -> str:
    """``given``, else the workstation whose BIN the key's certificate carries."""
    if given:
        return given
    listed = await ServiceHttp("provider", http).call("GET", "/provider/workstations")
    bin_ = key.signer.identity.bin
    for ws in listed:
        if ws.get("bin") == bin_ and bin_:
            return str(ws["system_id"])
    known = ", ".join(f"{ws['system_id']} (BIN {ws['bin']})" for ws in listed)
    raise ClientError(
        "client",
        0,
        "no_workstation",
        f"the key's certificate carries {f'BIN {bin_}' if bin_ else 'no BIN'}, no workstation's: "
        f"staff sign with an employee certificate of their department; give --workstation, "
        f"or use such a key (workstations: {known})",
    )


def _setup(
    command: str,
    service: str,
    key_file: Path,
    password: str | None,
    password_file: Path | None,
    url: str | None,
    data_dir: Path | None,
) -> tuple[FoundTopology, IssuedKey]:
    """The topology found for ``service`` (provider or elicense) and the staff member's key."""
    found = topology(command, service, url, data_dir)
    return found, open_key(command, key_file, password, password_file)


# --- the provider workstations --------------------------------------------------------------


def provider_inbox(
    key_file: KeyOption,
    workstation: WorkstationOption = None,
    password: KeyPasswordOption = None,
    password_file: KeyPasswordFileOption = None,
    url: ProviderUrl = None,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """The requests waiting for your roles at your workstation (a signed call with your
    employee certificate; you must be on its roster: egov provider staff appoint)."""
    command = "egov provider inbox"
    found, key = _setup(command, "provider", key_file, password, password_file, url, data_dir)

    async def work() -> tuple[str, dict[str, Any]]:
        async with httpx.AsyncClient(base_url=found.urls.provider, timeout=30.0) as http:
            ws = await _workstation(http, key, workstation)
            return ws, await ProviderStaff(http, key, ws).desk()

    ws, answer = run(command, found, work(), ROSTER_HINT)
    if as_json:
        typer.echo(json.dumps(answer, ensure_ascii=False, indent=2))
        return
    staff = answer.get("staff") or {}
    roles = ", ".join(staff.get("roles") or [])
    typer.echo(f"{staff.get('name')} (IIN {staff.get('iin')}) at {ws} as {roles}")
    rows = answer.get("requests") or []
    if not rows:
        typer.echo("nothing waits for your roles")
        return
    table(
        ("request", "service", "status", "step", "role", "step deadline", ""),
        [
            (
                r["request_id"],
                f"{r['service']}@{r['version']}",
                r["status"],
                r.get("step") or "-",
                r.get("role") or "-",
                when(r.get("step_deadline")),
                "overdue" if r.get("overdue") else "",
            )
            for r in rows
        ],
    )


def provider_show(
    request_id: Annotated[str, typer.Argument(help="the request's id")],
    key_file: KeyOption,
    workstation: WorkstationOption = None,
    password: KeyPasswordOption = None,
    password_file: KeyPasswordFileOption = None,
    url: ProviderUrl = None,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """A request at your workstation: where it stands, the steps and outcomes it offers now
    (what egov provider act takes), its result and its history."""
    command = "egov provider show"
    found, key = _setup(command, "provider", key_file, password, password_file, url, data_dir)
    request_id = segment(command, request_id)

    async def work() -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=found.urls.provider, timeout=30.0) as http:
            ws = await _workstation(http, key, workstation)
            return await ProviderStaff(http, key, ws).request(request_id)

    view = run(command, found, work(), ROSTER_HINT)
    if as_json:
        typer.echo(json.dumps(view, ensure_ascii=False, indent=2))
        return
    _print_provider_view(view)
    typer.echo("")
    table(
        ("at", "event", "actor", "role", "step", "outcome", "status"),
        [
            (
                when(h.get("at")),
                h.get("type"),
                h.get("actor") or "",
                h.get("role") or "",
                h.get("step") or "",
                h.get("outcome") or "",
                h.get("status") or "",
            )
            for h in view.get("history") or []
        ],
    )


def _print_provider_view(view: Mapping[str, Any]) -> None:
    rows: list[tuple[str, str]] = [
        ("service", f"{view['service']}@{view['version']} (channel {view['channel']})"),
        ("status", str(view["status"])),
    ]
    if view.get("finished"):
        refusal = view.get("refusal")
        rows.append(
            ("finished", f"{view['finished']} ({refusal})" if refusal else view["finished"])
        )
    else:
        rows.append(("step", f"{view.get('step')} (role {view.get('role')})"))
        rows.append(("step deadline", when(view.get("step_deadline"))))
    rows.append(("deadline", when(view.get("request_deadline"))))
    rows += _offers(view.get("allowed") or [])
    result = view.get("result")
    if isinstance(result, dict):
        document = result.get("document") if isinstance(result.get("document"), dict) else {}
        assert isinstance(document, dict)  # noqa: S101 - narrowed above
        rows.append(("result", f"{document.get('kind')}, {document.get('decision')}, signed"))
    table(("request", str(view["request_id"])), rows)


def _offers(allowed: Sequence[Mapping[str, Any]]) -> list[tuple[str, str]]:
    return [
        ("offers", f"{a['step']} (role {a['role']}): {' | '.join(a.get('outcomes') or [])}")
        for a in allowed
    ]


def provider_act(
    request_id: Annotated[str, typer.Argument(help="the request's id")],
    step: Annotated[str, typer.Argument(help="the step you finish, e.g. register")],
    outcome: Annotated[str, typer.Argument(help="its outcome, e.g. registered")],
    key_file: KeyOption,
    grounds_kk: GroundsKk = None,
    grounds_ru: GroundsRu = None,
    workstation: WorkstationOption = None,
    password: KeyPasswordOption = None,
    password_file: KeyPasswordFileOption = None,
    url: ProviderUrl = None,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Finish a step of a request with an outcome, signed with your key. When the outcome
    issues the result (a certificate, a reasoned refusal), the workstation's draft of it is
    fetched, signed with the same key and sent: nothing to canonicalise by hand. A refusal
    states its grounds in Kazakh and Russian (--grounds-kk, --grounds-ru). Exit 0 done, 1
    refused by the workstation (its code and message printed), 2 bad input or no workstation."""
    command = "egov provider act"
    if (grounds_kk is None) != (grounds_ru is None):
        fail(
            command,
            "a refusal's grounds are given in both languages: --grounds-kk and --grounds-ru",
        )
    grounds = {"kk": grounds_kk, "ru": grounds_ru} if grounds_kk and grounds_ru else None
    found, key = _setup(command, "provider", key_file, password, password_file, url, data_dir)
    request_id = segment(command, request_id)

    async def work() -> tuple[dict[str, Any], dict[str, Any] | None]:
        async with httpx.AsyncClient(base_url=found.urls.provider, timeout=30.0) as http:
            ws = await _workstation(http, key, workstation)
            desk = _ProviderDesk(http, key, ws)
            view = await desk.act(request_id, step, outcome, grounds=grounds)
            return view, desk.signed

    view, signed = run(command, found, work(), {**GROUNDS_HINT, **ROSTER_HINT})
    if as_json:
        typer.echo(json.dumps(view, ensure_ascii=False, indent=2))
        return
    typer.echo(f"{request_id}: {step} -> {outcome}, by {_who(key)}")
    if signed is not None:
        typer.echo(
            f"signed the {signed.get('kind')} ({signed.get('decision')}) the workstation drafted, "
            "with the same key"
        )
    _print_provider_view(view)


# --- E-licensing ----------------------------------------------------------------------------


def elicense_inbox(
    key_file: KeyOption,
    password: KeyPasswordOption = None,
    password_file: KeyPasswordFileOption = None,
    url: ElicenseUrl = None,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """The requests of your provider at E-licensing, with the step each waits at and the role
    that takes it (a signed call; you must be in E-licensing's directory: egov elicense staff)."""
    command = "egov elicense inbox"
    found, key = _setup(command, "elicense", key_file, password, password_file, url, data_dir)

    async def work() -> list[dict[str, Any]]:
        async with httpx.AsyncClient(base_url=found.urls.elicense, timeout=30.0) as http:
            return await ElicenseStaff(http, key).requests()

    rows = run(command, found, work())
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        typer.echo(f"no requests for the provider of {_who(key)}")
        return
    table(
        ("request", "number", "service", "status", "step", "role", "deadline"),
        [
            (
                r["request_id"],
                r.get("number") or "-",
                f"{r['service']}@{r['version']}",
                r["status"],
                r.get("step") or "-",
                r.get("role") or "-",
                when(r.get("deadline")),
            )
            for r in rows
        ],
    )


def elicense_show(
    request_id: Annotated[str, typer.Argument(help="the request's id")],
    key_file: KeyOption,
    password: KeyPasswordOption = None,
    password_file: KeyPasswordFileOption = None,
    url: ElicenseUrl = None,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """A request at E-licensing: status, the steps and outcomes it offers now, its permit, and
    the steps done (who, when, with which outcome)."""
    command = "egov elicense show"
    found, key = _setup(command, "elicense", key_file, password, password_file, url, data_dir)
    request_id = segment(command, request_id)

    async def work() -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=found.urls.elicense, timeout=30.0) as http:
            return await ElicenseStaff(http, key).request(request_id)

    view = run(command, found, work())
    if as_json:
        typer.echo(json.dumps(view, ensure_ascii=False, indent=2))
        return
    _print_elicense_view(view)
    typer.echo("")
    table(
        ("step", "role", "started", "completed", "outcome", "actor"),
        [
            (
                r["step"],
                r.get("role") or "",
                when(r.get("started_at")),
                when(r.get("completed_at")) if r.get("completed_at") else "",
                r.get("outcome") or "",
                r.get("actor") or "",
            )
            for r in view.get("steps") or []
        ],
    )


def _print_elicense_view(view: Mapping[str, Any]) -> None:
    rows: list[tuple[str, str]] = [
        ("number", str(view.get("number") or "-")),
        ("service", f"{view['service']}@{view['version']} (channel {view['channel']})"),
        ("status", str(view["status"])),
        ("deadline", when(view.get("deadline"))),
    ]
    if view.get("finished"):
        refusal = view.get("refusal")
        rows.append(
            ("finished", f"{view['finished']} ({refusal})" if refusal else view["finished"])
        )
    rows += _offers(view.get("allowed") or [])
    if view.get("permit_number"):
        rows.append(("permit", f"{view['permit_number']} (egov elicense verify-permit NUMBER)"))
    table(("request", str(view["request_id"])), rows)


def elicense_act(
    request_id: Annotated[str, typer.Argument(help="the request's id")],
    step: Annotated[str, typer.Argument(help="the step you finish, e.g. assign_executor")],
    outcome: Annotated[str, typer.Argument(help="its outcome, e.g. assigned")],
    key_file: KeyOption,
    password: KeyPasswordOption = None,
    password_file: KeyPasswordFileOption = None,
    url: ElicenseUrl = None,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Finish a step of a request at E-licensing with an outcome, signed with your key; at the
    signing step the permit's draft is fetched (its number reserved), signed with the same key
    and sent. Exit 0 done, 1 refused by E-licensing, 2 bad input or no E-licensing."""
    command = "egov elicense act"
    found, key = _setup(command, "elicense", key_file, password, password_file, url, data_dir)
    request_id = segment(command, request_id)

    async def work() -> tuple[dict[str, Any], dict[str, Any] | None]:
        async with httpx.AsyncClient(base_url=found.urls.elicense, timeout=30.0) as http:
            desk = _ElicenseDesk(http, key)
            view = await desk.act(request_id, step, outcome)
            return view, desk.signed

    view, signed = run(command, found, work())
    if as_json:
        typer.echo(json.dumps(view, ensure_ascii=False, indent=2))
        return
    typer.echo(f"{request_id}: {step} -> {outcome}, by {_who(key)}")
    if signed is not None:
        document = signed.get("document") if isinstance(signed.get("document"), dict) else {}
        assert isinstance(document, dict)  # noqa: S101 - narrowed above
        number = document.get("number") or view.get("permit_number") or "-"
        typer.echo(f"signed the permit {number} E-licensing drafted, with the same key")
    _print_elicense_view(view)
