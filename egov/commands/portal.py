"""``egov portal``: the applicant at the e-gov portal from the command line.

``submit`` files a request signed with the applicant's key file on this side (the portal never
sees the private key); ``login`` opens a session with the IIN (and an organisation's BIN) and
the password, kept in ``<data dir>/sessions/portal.json`` (egov/commands/_sessions.py) for
``requests``, ``show``, ``watch`` (the cabinet's live stream, Server-Sent Events), ``result``
(with the signature checked and the PDF saved) and ``survey``. Every command finds the running
topology by itself (egov.client.topology.find_topology). ``egov replay portal``
(egov/commands/replay.py) rebuilds the cabinet."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer

from egov.client.cabinet import FINISHED, Cabinet, Session, login
from egov.client.errors import ClientError
from egov.client.topology import FoundTopology
from egov.commands import _sessions
from egov.commands._common import (
    LOGIN_HINT,
    DataDirOption,
    attachments,
    fail,
    open_key,
    pairs,
    run,
    secret,
    segment,
    table,
    topology,
    url_option,
    when,
)

PortalUrl = Annotated[str | None, url_option("portal")]
IinOption = Annotated[
    str | None,
    typer.Option(
        "--iin", help="whose session (default: the account that logged in last)", show_default=False
    ),
]
BinOption = Annotated[
    str | None,
    typer.Option(
        "--bin", help="the organisation's BIN, for its signer's session", show_default=False
    ),
]
PortalPassword = Annotated[
    str | None,
    typer.Option(
        "--password",
        envvar="EGOV_PORTAL_PASSWORD",
        help="the portal password (asked for on a terminal when not given)",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="print the portal's answer as JSON")]
# A stream that drops (the portal restarted) is opened again from the last event seen.
RECONNECTS = 5


def build() -> typer.Typer:
    """Mounted as ``portal``."""
    app = typer.Typer(help="The e-gov portal (ЭҮП) as an applicant.", no_args_is_help=True)
    app.command("submit")(submit)
    app.command("login")(login_command)
    app.command("logout")(logout)
    app.command("requests")(requests)
    app.command("show")(show)
    app.command("watch")(watch)
    app.command("result")(result)
    app.command("survey")(survey)
    return app


def _http(found: FoundTopology) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=found.urls.portal, timeout=30.0)


def _session(
    command: str, found: FoundTopology, iin: str | None, bin_: str | None
) -> _sessions.SavedSession:
    saved = _sessions.load(found.data_dir, iin, bin_)
    if saved is None:
        whom = f" as {_sessions.account_key(iin, bin_)}" if iin else ""
        fail(
            command,
            f"not logged in{whom} on this topology ({found.source}; sessions in "
            f"{_sessions.sessions_file(found.data_dir)}): egov portal login IIN",
        )
    return saved


def submit(
    service: Annotated[str, typer.Argument(help="service code, e.g. cultural_values_export")],
    p12: Annotated[Path, typer.Option("--p12", help="the applicant's signing key file")],
    p12_password: Annotated[
        str | None,
        typer.Option(
            "--p12-password",
            envvar="EGOV_P12_PASSWORD",
            help="key file password (asked for on a terminal when not given)",
            show_default=False,
        ),
    ] = None,
    password: PortalPassword = None,
    url: PortalUrl = None,
    data_dir: DataDirOption = None,
    bin_: Annotated[
        str | None, typer.Option("--bin", help="the organisation's BIN", show_default=False)
    ] = None,
    field: Annotated[
        list[str] | None, typer.Option("--field", "-f", help="form field NAME=VALUE")
    ] = None,
    attach: Annotated[
        list[str] | None, typer.Option("--attach", "-a", help="document CODE=PATH")
    ] = None,
    register: Annotated[
        bool, typer.Option("--register", help="register the applicant first")
    ] = False,
) -> None:
    """Log in (or use the applicant's session from egov portal login), fill the form, attach
    the files, sign the canonical request with the key file and send it; prints
    {"request_id", "status"} and keeps the session for the other egov portal commands.
    Exit 0 submitted, 1 refused (the reason code is printed), 2 bad input or no portal."""
    command = "egov portal submit"
    found = topology(command, "portal", url, data_dir)
    key = open_key(command, p12, p12_password, None)
    iin = key.iin
    if iin is None:
        fail(command, f"the certificate of {p12} carries no IIN")
    form = pairs(field or [], "--field")
    files = attachments(attach or [])
    saved = None if password or register else _sessions.load(found.data_dir, iin, bin_)
    if saved is None:
        password = secret(
            command,
            password,
            None,
            option="--password",
            prompt=f"Portal password of {iin}",
            what=f"the portal password of {iin}",
            confirm=register,  # a new one: typed twice
        )

    async def work() -> tuple[dict[str, Any], Path | None]:
        from egov.client.actors import Applicant

        async with _http(found) as http:
            applicant = Applicant(http, key, bin_=bin_)
            kept = None
            if saved is not None:
                applicant.use_session(saved.token)
            else:
                assert password is not None  # noqa: S101 - asked for above
                if register:
                    await applicant.register(password)
                session = await login(http, iin, password, bin_=bin_)
                applicant.use_session(session.token)
                kept = _sessions.save(found.data_dir, found.urls.portal, session)
            answer = await applicant.file(service, form, files)
            return {"request_id": answer["request_id"], "status": answer["status"]}, kept

    answer, kept = run(command, found, work(), LOGIN_HINT)
    typer.echo(json.dumps(answer, ensure_ascii=False))
    if kept is not None:
        typer.echo(f"session of {iin} kept in {kept}", err=True)


def login_command(
    iin: Annotated[str, typer.Argument(help="your IIN (as registered at the portal)")],
    bin_: BinOption = None,
    password: PortalPassword = None,
    url: PortalUrl = None,
    data_dir: DataDirOption = None,
) -> None:
    """Log in with the IIN (and the organisation's BIN) and the password; the session is kept
    (owner-only) for the other egov portal commands. Exit 0, 1 refused (wrong password,
    unknown account), 2 bad input or no portal."""
    command = "egov portal login"
    found = topology(command, "portal", url, data_dir)
    password = secret(
        command,
        password,
        None,
        option="--password",
        prompt="Portal password",
        what=f"the portal password of {iin}",
    )

    async def work() -> Session:
        async with _http(found) as http:
            return await login(http, iin, password, bin_=bin_)

    session = run(command, found, work(), LOGIN_HINT)
    kept = _sessions.save(found.data_dir, found.urls.portal, session)
    typer.echo(
        f"logged in as {_sessions.account_key(iin, bin_)} at {found.urls.portal} "
        f"(found from {found.source})"
    )
    typer.echo(f"session until {when(session.expires_at)}, kept in {kept}")


def logout(
    iin: IinOption = None,
    bin_: BinOption = None,
    url: PortalUrl = None,
    data_dir: DataDirOption = None,
) -> None:
    """End the session at the portal and forget it."""
    command = "egov portal logout"
    found = topology(command, "portal", url, data_dir)
    saved = _session(command, found, iin, bin_)

    async def work() -> None:
        async with _http(found) as http:
            try:
                await Cabinet(http, saved.token).logout()
            except ClientError as exc:
                if exc.status != 401:  # already over at the portal: forget it all the same
                    raise

    run(command, found, work(), LOGIN_HINT)
    _sessions.forget(found.data_dir, saved)
    typer.echo(f"logged out {saved.who()}")


def requests(
    iin: IinOption = None,
    bin_: BinOption = None,
    url: PortalUrl = None,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """My requests, the latest change first: id, service, status, deadline."""
    command = "egov portal requests"
    found = topology(command, "portal", url, data_dir)
    saved = _session(command, found, iin, bin_)

    async def work() -> list[dict[str, Any]]:
        async with _http(found) as http:
            return await Cabinet(http, saved.token).requests()

    rows = run(command, found, work(), LOGIN_HINT)
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        typer.echo(f"no requests in the cabinet of {saved.who()}")
        return
    table(
        ("request", "service", "status", "deadline"),
        [(r["request_id"], r["service"], r["status"], when(r["deadline"])) for r in rows],
    )


def show(
    request_id: Annotated[str, typer.Argument(help="the request's id")],
    iin: IinOption = None,
    bin_: BinOption = None,
    url: PortalUrl = None,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """One request: service, status, deadline, result number, and its history."""
    command = "egov portal show"
    found = topology(command, "portal", url, data_dir)
    saved = _session(command, found, iin, bin_)
    request_id = segment(command, request_id)

    async def work() -> dict[str, Any]:
        async with _http(found) as http:
            return await Cabinet(http, saved.token).request(request_id)

    view = run(command, found, work(), LOGIN_HINT)
    if as_json:
        typer.echo(json.dumps(view, ensure_ascii=False, indent=2))
        return
    number = view.get("result_number")
    table(
        ("request", view["request_id"]),
        [
            ("service", f"{view['service']} ({view['version']}), term {view.get('term') or '-'}"),
            ("status", view["status"]),
            ("deadline", when(view.get("deadline"))),
            ("result", f"{number} (egov portal result {request_id})" if number else "none yet"),
        ],
    )
    typer.echo("")
    table(
        ("at", "status", "step"),
        [(when(h["at"]), h["status"], h.get("step") or "") for h in view["history"]],
    )


def watch(
    request_id: Annotated[str, typer.Argument(help="the request's id")],
    iin: IinOption = None,
    bin_: BinOption = None,
    url: PortalUrl = None,
    data_dir: DataDirOption = None,
) -> None:
    """Follow a request on the portal's live stream: every status it has had, then each new one
    as it arrives, until the request is finished (completed, refused, handed out) or Ctrl-C.
    Exit 0 finished, 130 stopped by Ctrl-C."""
    command = "egov portal watch"
    found = topology(command, "portal", url, data_dir)
    saved = _session(command, found, iin, bin_)
    request_id = segment(command, request_id)

    async def work() -> str:
        async with httpx.AsyncClient(base_url=found.urls.portal, timeout=30.0) as http:
            cabinet = Cabinet(http, saved.token)
            view = await cabinet.request(request_id)  # mine, and there: before streaming
            typer.echo(f"{request_id}  {view['service']} ({view['version']})", err=True)
            # From the first event on: the request's whole history, then what comes.
            after = 0
            drops = 0
            while True:
                try:
                    async for event in cabinet.stream(after=after):
                        after = event.id if event.id is not None else after
                        drops = 0
                        data = event.data
                        if event.event != "status" or data.get("request_id") != request_id:
                            continue
                        status = str(data.get("status"))
                        typer.echo(_status_line(data))
                        if status in FINISHED:
                            return status
                except (httpx.ReadTimeout, httpx.RemoteProtocolError, httpx.ReadError):
                    pass
                # The stream ended or dropped before the request finished: open it again.
                drops += 1
                if drops > RECONNECTS:
                    raise ClientError("portal", 0, "stream_lost", "the live stream keeps dropping")
                await asyncio.sleep(1.0)

    try:
        status = run(command, found, work(), LOGIN_HINT)
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    typer.echo(f"{request_id} is {status}: egov portal result {request_id}", err=True)


def _status_line(change: Mapping[str, Any]) -> str:
    """One status as it arrived: when, the status, and the step it belongs to."""
    line = f"{when(change.get('at'))}  {change.get('status')!s:<14}  {change.get('step') or ''}"
    return line.rstrip()


def result(
    request_id: Annotated[str, typer.Argument(help="the request's id")],
    pdf: Annotated[
        Path | None,
        typer.Option("--pdf", help="save the result as a PDF here", dir_okay=False),
    ] = None,
    iin: IinOption = None,
    bin_: BinOption = None,
    url: PortalUrl = None,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """The request's result: its number, document, decision (a refusal's code and grounds),
    who issued it, and its signature checked now (the portal's public check, against the НУЦ);
    --pdf saves it as a PDF. Exit 0 with a valid signature, 1 no result yet or a signature that
    does not verify."""
    command = "egov portal result"
    found = topology(command, "portal", url, data_dir)
    saved = _session(command, found, iin, bin_)
    request_id = segment(command, request_id)

    async def work() -> tuple[dict[str, Any], dict[str, Any], bytes | None]:
        async with _http(found) as http:
            cabinet = Cabinet(http, saved.token)
            stored = await cabinet.result(request_id)
            check = await cabinet.verify(str(stored.get("number") or request_id))
            content = await cabinet.result_pdf(request_id) if pdf is not None else None
            return stored, check, content

    waiting = {"no_result_yet": f"it comes with the final status: egov portal watch {request_id}"}
    stored, check, content = run(command, found, work(), {**LOGIN_HINT, **waiting})
    if pdf is not None and content is not None:
        try:
            pdf.write_bytes(content)
        except OSError as exc:
            fail(command, f"cannot write {pdf}: {exc.strerror}")
    if as_json:
        typer.echo(json.dumps({"result": stored, "check": check}, ensure_ascii=False, indent=2))
    else:
        saved_pdf = [("pdf", f"{pdf} ({len(content or b'')} bytes)")] if pdf is not None else []
        _print_result(stored, check, saved_pdf)
    if not check.get("valid"):
        raise typer.Exit(1)


def _print_result(
    stored: Mapping[str, Any], check: Mapping[str, Any], extra: list[tuple[str, str]]
) -> None:
    document = stored.get("document") if isinstance(stored.get("document"), dict) else {}
    assert isinstance(document, dict)  # noqa: S101 - narrowed above
    # The public check names the document in English too; the document itself in kk and ru.
    titles = check.get("title") if isinstance(check.get("title"), dict) else document.get("name")
    title = (titles.get("en") or titles.get("ru")) if isinstance(titles, dict) else None
    kind = document.get("kind") or check.get("kind") or "-"
    decision = str(stored.get("decision") or document.get("decision") or "-")
    refusal = stored.get("refusal") or document.get("refusal_code")
    rows: list[tuple[str, str]] = [
        ("number", str(stored.get("number") or "-")),
        ("document", f"{kind}: {title}" if title else str(kind)),
        ("decision", f"{decision} ({refusal})" if refusal else decision),
    ]
    grounds = stored.get("grounds") or document.get("grounds")
    if isinstance(grounds, dict):
        rows += [(f"grounds {lang}", str(text)) for lang, text in grounds.items()]
    rows.append(("issued by", f"{stored.get('from') or '-'} at {when(stored.get('at'))}"))
    if check.get("valid"):
        signer = f"signed by {check.get('signer')}"
        if check.get("serial"):
            signer += f" (certificate {check['serial']})"
        rows.append(("signature", f"{check.get('code')}: {signer}, checked now by the portal"))
    else:
        rows.append(("signature", f"{check.get('code')}: does not verify"))
    table(("request", str(stored.get("request_id") or "-")), rows + extra)


def survey(
    request_id: Annotated[str, typer.Argument(help="the finished request's id")],
    answers: Annotated[
        list[str] | None,
        typer.Option(
            "--answers",
            help="QUESTION=VALUE, repeated or comma-separated (process=3,information=2); "
            "without it the form is printed",
            show_default=False,
        ),
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help="the form's language: kk, ru or en")] = "en",
    iin: IinOption = None,
    bin_: BinOption = None,
    url: PortalUrl = None,
    data_dir: DataDirOption = None,
) -> None:
    """Answer the quality survey of a finished request (its regulation's own form, or the
    portal's); without --answers, print the questions and the values they take."""
    command = "egov portal survey"
    found = topology(command, "portal", url, data_dir)
    saved = _session(command, found, iin, bin_)
    request_id = segment(command, request_id)
    given: dict[str, int] = {}
    for pair, value in pairs(
        [p for a in answers or [] for p in a.split(",") if p], "--answers"
    ).items():
        if not value.strip().isdigit():
            fail(command, f"--answers {pair}={value}: the answer is a number (1, 2, 3)")
        given[pair] = int(value)

    async def work() -> dict[str, Any]:
        async with httpx.AsyncClient(
            base_url=found.urls.portal, timeout=30.0, headers={"Accept-Language": lang}
        ) as http:
            cabinet = Cabinet(http, saved.token, language=lang)
            if given:
                return await cabinet.answer_survey(request_id, given)
            view = await cabinet.request(request_id)
            return await cabinet.survey_form(view["service"], view.get("version"))

    answer = run(command, found, work(), LOGIN_HINT)
    if given:
        typer.echo(
            f"survey of {request_id} answered: " + ", ".join(f"{q}={v}" for q, v in given.items())
        )
        return
    for question, text in answer["questions"].items():
        typer.echo(f"{question}: {text}")
    for value, text in answer["answers"].items():
        typer.echo(f"  {value} = {text}")
    typer.echo(
        f"answer with: egov portal survey {request_id} --answers "
        + ",".join(f"{q}=N" for q in answer["questions"])
    )
