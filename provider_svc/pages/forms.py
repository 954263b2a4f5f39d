"""The pages' forms: reading a posted form, and checking what a person typed before anything
reaches the service layer, each problem named by the field it is about and a text key
(provider_svc.pages.texts) so the page says it in the person's language. An invalid form
stores nothing. A post from another site is refused by shared.pages.forms."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import parse_qsl

from fastapi import Request

from provider_svc.domain.errors import ProviderError
from shared.file_names import unfit_file_name
from shared.ids import IdError, parse_iin
from shared.regulation.forms import validate_form
from shared.regulation.model import Definition, FieldType

FORM_TYPE = "application/x-www-form-urlencoded"
MAX_FIELDS = 500
MAX_GROUNDS = 4000  # provider_svc.views.Grounds
MAX_SIGNATURE = 64_000
MAX_REASON = 1000  # provider_svc.views.ExtensionIn
MAX_FILE_NAME_FIELD = 500
SHA256 = re.compile(r"^[0-9a-f]{64}$")


class BadForm(Exception):
    """A post that is not a form the pages could have sent (not URL-encoded UTF-8, too many
    fields, a NUL character the log cannot store)."""


async def posted(request: Request) -> dict[str, str]:
    """The posted form's fields (the last value of a repeated name). A body that is not a
    form reads as no fields, so every field is then missing and named as such."""
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind != FORM_TYPE:
        return {}
    body = await request.body()
    try:
        pairs = parse_qsl(
            body.decode("utf-8"),
            keep_blank_values=True,
            strict_parsing=False,
            max_num_fields=MAX_FIELDS,
        )
    except (UnicodeDecodeError, ValueError):
        raise BadForm from None
    if any("\x00" in name or "\x00" in value for name, value in pairs):
        raise BadForm
    return dict(pairs)


@dataclass(frozen=True)
class Problem:
    """Why a form was not taken: a text key with its values, and the field it is about (None:
    the form as a whole); ``form`` names which of a page's forms was posted."""

    key: str
    field: str | None = None
    form: str | None = None
    code: str | None = None
    values: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    status: int = 422


# Where the service layer's refusals belong on the form (the rest are about the whole action).
FIELD_OF_CODE: Mapping[str, str] = {
    "grounds_required": "grounds",
    "grounds_not_expected": "grounds",
    "signature_required": "signature",
    "REASON_REQUIRED": "reason",
    "BEYOND_MAXIMUM": "until",
    "NOT_LATER": "until",
    "documents_missing": "documents",
    "invalid_file_name": "documents",
    "registry_not_found": "applicant_iin",
    "channel_not_offered": "service",
    "service_not_rendered": "service",
    "service_not_provided": "service",
    "unknown_service": "service",
    "not_regional_gateway": "service",
    "not_a_json_number": "form",
    "wrong_role": "service",
}


def refusal(exc: ProviderError, form: str | None, known: Sequence[str]) -> Problem:
    """The service layer's refusal as a form problem: its code's text when the pages have one
    (``known``), else a general text naming the code."""
    code = exc.code
    key = f"error.{code}"
    field_name = FIELD_OF_CODE.get(code)
    if code.startswith("signature_"):
        field_name = "signature"
    if key not in known:
        return Problem("error.other", field_name, form, code, {"code": code}, exc.status)
    return Problem(key, field_name, form, code, status=exc.status)


# --- actions and extensions ------------------------------------------------------------------


@dataclass(frozen=True)
class ActionPost:
    step: str
    outcome: str
    grounds: dict[str, str] | None
    signature: str | None


def action_post(fields: Mapping[str, str]) -> ActionPost | Problem:
    step = fields.get("step", "").strip()
    outcome = fields.get("outcome", "").strip()
    form = f"action-{step}-{outcome}"
    if not step or not outcome or len(step) > 64 or len(outcome) > 64:
        return Problem("form.no_action", None, form)
    kk = fields.get("grounds_kk", "").strip()
    ru = fields.get("grounds_ru", "").strip()
    if len(kk) > MAX_GROUNDS or len(ru) > MAX_GROUNDS:
        return Problem("form.TOO_LONG", "grounds", form, values={"max": MAX_GROUNDS})
    signature = fields.get("document_signature", "").strip()
    if len(signature) > MAX_SIGNATURE:
        return Problem("error.signature_bad_signature", "signature", form)
    return ActionPost(
        step,
        outcome,
        {"kk": kk, "ru": ru} if kk or ru else None,
        signature or None,
    )


@dataclass(frozen=True)
class ExtensionPost:
    step: str
    until: date
    reason: str


def extension_post(fields: Mapping[str, str]) -> ExtensionPost | Problem:
    step = fields.get("step", "").strip()
    if not step or len(step) > 64:
        return Problem("form.no_action", None, "extension")
    try:
        until = date.fromisoformat(fields.get("until", "").strip())
    except ValueError:
        return Problem("form.date", "until", "extension")
    reason = fields.get("reason", "").strip()
    if not reason:
        return Problem("error.REASON_REQUIRED", "reason", "extension")
    if len(reason) > MAX_REASON:
        return Problem("form.TOO_LONG", "reason", "extension", values={"max": MAX_REASON})
    return ExtensionPost(step, until, reason)


# --- paper applications ----------------------------------------------------------------------


@dataclass(frozen=True)
class PaperPost:
    service: str
    applicant_iin: str
    form: dict[str, Any]
    documents: list[dict[str, Any]]


def paper_post(
    fields: Mapping[str, str], definition: Definition
) -> tuple[PaperPost | None, list[Problem]]:
    """The paper application of ``definition`` as the clerk typed it: the applicant's IIN, the
    definition's form (a field the definition fills from the registration, the applicant's
    IIN/BIN, is the IIN given), a scan's hash for every required document."""
    problems: list[Problem] = []
    applicant = fields.get("applicant_iin", "").strip()
    try:
        parse_iin(applicant)
    except IdError:
        problems.append(Problem("form.iin", "applicant_iin"))
    form: dict[str, Any] = {}
    for spec in definition.form:
        if spec.prefilled_from is not None and spec.type is FieldType.IIN_BIN:
            form[spec.name] = applicant
            continue
        value = fields.get(f"form.{spec.name}", "").strip()
        if value == "":
            continue
        if spec.type is FieldType.INTEGER and re.fullmatch(r"-?[0-9]{1,15}", value):
            form[spec.name] = int(value)
        else:
            form[spec.name] = value
    for found in validate_form(definition, form):
        problems.append(
            Problem(
                f"form.{found.code}",
                f"form.{found.field}",
                values={"max": _max_length(definition, found.field)},
            )
        )
    scans: list[dict[str, Any]] = []
    for doc in definition.required_documents:
        prefix = f"doc.{doc.code}"
        digest = fields.get(f"{prefix}.sha256", "").strip().lower()
        name = fields.get(f"{prefix}.name", "").strip()
        pages = fields.get(f"{prefix}.pages", "").strip()
        scan: dict[str, Any] = {"code": doc.code, "sha256": digest}
        if not digest:
            problems.append(Problem("error.documents_missing", f"{prefix}.sha256"))
        elif not SHA256.fullmatch(digest):
            problems.append(Problem("form.sha256", f"{prefix}.sha256"))
        if name:
            if len(name) > MAX_FILE_NAME_FIELD or unfit_file_name(name) is not None:
                problems.append(Problem("error.invalid_file_name", f"{prefix}.name"))
            scan["name"] = name
        if pages:
            if not pages.isdigit() or not 1 <= int(pages) <= 10_000:
                problems.append(Problem("form.pages", f"{prefix}.pages"))
            else:
                scan["pages"] = int(pages)
        scans.append(scan)
    if problems:
        return None, problems
    return PaperPost(definition.code, applicant, form, scans), []


def _max_length(definition: Definition, name: str) -> int | None:
    for spec in definition.form:
        if spec.name == name:
            return spec.max_length
    return None
