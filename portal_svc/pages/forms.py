"""A request form on a page: the definition's fields as inputs (types, required, choices, the
IIN/BIN filled in from registration), what a posted form means to the service layer, and each
field's problem in the reader's language."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import FormData

from shared.pages.languages import Language
from shared.pages.render import Pages
from shared.regulation.model import Definition, FieldType

# How each field type is typed in a browser (the service layer checks it again).
_INPUT = {
    FieldType.STRING: "text",
    FieldType.TEXT: "textarea",
    FieldType.IIN_BIN: "text",
    FieldType.DATE: "date",
    FieldType.EMAIL: "email",
    FieldType.ENUM: "select",
    FieldType.INTEGER: "number",
}


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    input: str
    required: bool
    max_length: int | None
    choices: tuple[tuple[str, str], ...]
    value: str
    prefilled: bool
    problem: str | None


def fields(
    definition: Definition,
    values: Mapping[str, Any],
    *,
    own: str | None,
    problems: Mapping[str, str],
    pages: Pages,
    language: Language,
) -> list[Field]:
    """The form's inputs with their values (a field filled from registration shows ``own``,
    the applicant's IIN/BIN, and cannot be typed in) and problems."""
    found = []
    for spec in definition.form:
        prefilled = spec.prefilled_from is not None
        value = own if prefilled else values.get(spec.name)
        choices = tuple(
            (c, pages.texts.text(f"choice.{c}", language) if f"choice.{c}" in pages.texts else c)
            for c in spec.choices
        )
        found.append(
            Field(
                name=spec.name,
                label=str(getattr(spec.label, language)),
                input=_INPUT.get(spec.type, "text"),
                required=spec.required and not prefilled,
                max_length=spec.max_length,
                choices=choices,
                value="" if value is None else str(value),
                prefilled=prefilled,
                problem=problems.get(spec.name),
            )
        )
    return found


def posted(definition: Definition, form: FormData) -> dict[str, Any]:
    """The values of a posted form the service layer judges: each field of the definition that
    was filled in (an empty input is a value not given), integers as integers."""
    values: dict[str, Any] = {}
    for spec in definition.form:
        raw = form.get(spec.name)
        if not isinstance(raw, str) or raw.strip() == "" or spec.prefilled_from is not None:
            continue
        value: Any = raw.strip() if spec.type is not FieldType.TEXT else raw
        if spec.type is FieldType.INTEGER:
            # A value that is no integer stays a string: the service layer names it WRONG_TYPE.
            with contextlib.suppress(ValueError):
                value = int(value)
        values[spec.name] = value
    return values


def problems_of(
    details: Sequence[Mapping[str, Any]], pages: Pages, language: Language
) -> dict[str, str]:
    """The service layer's ``problems`` (field, code) as each field's text."""
    found: dict[str, str] = {}
    for problem in details:
        key = f"problem.{problem.get('code')}"
        text = (
            pages.texts.text(key, language) if key in pages.texts else str(problem.get("message"))
        )
        found.setdefault(str(problem.get("field")), text)
    return found
