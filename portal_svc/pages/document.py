"""A signed result document as a reader reads it: each field under its name in the reader's
language and its value as that language says it (the result's kind and the decision
translated, a service, ground or form field by the regulation's own name, a localized value in
the reader's language, an instant in Almaty time). The document itself is not changed: the
page shows it as signed too, and what is an identifier (a number, a system id, an IIN) stays
as it is."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from portal_svc.pages.common import local_date, local_time, refusal_reason
from shared.pages.languages import LANGUAGES, Language
from shared.pages.render import Pages
from shared.regulation.model import Definition, FieldType

# Fields whose value is an identifier: shown as it is signed (and marked as code).
_IDENTIFIERS = frozenset(
    {
        "number",
        "permit_number",
        "request_id",
        "request_number",
        "applicant_iin",
        "workstation",
        "version",
        "iin",
        "bin",
        "id",
        "act",
        "serial",
        "subject",
    }
)


@dataclass(frozen=True)
class Line:
    """One field of the document: its name in the document (``key``), its label and value in
    the reader's language, whether the value is an identifier, and a nested object's fields."""

    key: str
    label: str | None  # None: a field this page has no name for (its key is shown as code)
    value: str
    identifier: bool = False
    lines: tuple[Line, ...] = ()


def localized(value: Mapping[str, Any], language: Language) -> str | None:
    """A value given per language ({"kk": …, "ru": …}) in ``language``, else in another. A
    flag about the texts beside them (the regulations' ``ru_is_translation``) is no value."""
    texts = {k for k, v in value.items() if not isinstance(v, bool)}
    if not texts or not texts <= set(LANGUAGES):
        return None
    for wanted in (language, "ru", "kk", "en"):
        if value.get(wanted):
            return str(value[wanted])
    return None


def _instant(value: str) -> str | None:
    """An ISO date or instant as the reader reads it (Almaty time), else None."""
    try:
        if len(value) == len("2019-01-01"):
            return local_date(date.fromisoformat(value))
        at = datetime.fromisoformat(value)
    except ValueError:
        return None
    return local_time(at) if at.tzinfo is not None else None


def document_lines(
    document: Any, definition: Definition, pages: Pages, language: Language
) -> list[Line]:
    """The fields of the signed ``document`` (of a request for ``definition``'s service),
    each labelled and valued in ``language``; empty fields left out."""
    if not isinstance(document, Mapping):
        return []
    return [
        line
        for key, value in document.items()
        if (line := _line(str(key), value, definition, pages, language)) is not None
    ]


def _line(
    key: str, value: Any, definition: Definition, pages: Pages, language: Language
) -> Line | None:
    if value is None or value == "" or value == {} or value == []:
        return None
    label_key = f"doc.{key}"
    label = pages.texts.text(label_key, language) if label_key in pages.texts else None
    if key == "form" and isinstance(value, Mapping):
        return Line(key, label, "", lines=tuple(_form_lines(value, definition, pages, language)))
    if isinstance(value, Mapping):
        said = localized(value, language)
        if said is None and key == "service" and "code" in value:
            said = _service(str(value["code"]), definition, language)
        if said is None and isinstance(value.get("name"), Mapping):
            said = localized(value["name"], language)  # a provider: its id and its name
        if said is not None:
            return Line(key, label, said)
        nested = document_lines(value, definition, pages, language)
        return Line(key, label, "", lines=tuple(nested))
    if isinstance(value, list):
        return Line(key, label, ", ".join(str(v) for v in value), identifier=True)
    text = str(value)
    if key == "kind":
        named = next((r.name for r in definition.results if r.kind.value == text), None)
        if named is not None:
            return Line(key, label, str(getattr(named, language)))
    if key == "service":
        return Line(key, label, _service(text, definition, language))
    if key == "refusal_code":
        return Line(key, label, refusal_reason(text, None, definition, pages, language))
    if f"{key}.{text}" in pages.texts:  # the decision, a kind: the portal's words for them
        return Line(key, label, pages.texts.text(f"{key}.{text}", language))
    if key in _IDENTIFIERS or isinstance(value, int | float):
        return Line(key, label, text, identifier=True)
    when = _instant(text)
    return Line(key, label, when if when is not None else text)


def _service(code: str, definition: Definition, language: Language) -> str:
    return str(getattr(definition.name, language)) if code == definition.code else code


def _form_lines(
    form: Mapping[str, Any], definition: Definition, pages: Pages, language: Language
) -> list[Line]:
    """The form's values under the labels the regulation gives its fields, a choice in the
    reader's words, a date as the reader writes it."""
    specs = {spec.name: spec for spec in definition.form}
    found = []
    for name, value in form.items():
        if value is None or value == "":
            continue
        spec = specs.get(str(name))
        text = str(value)
        choice = f"choice.{text}"
        shown = pages.texts.text(choice, language) if choice in pages.texts else text
        if spec is not None and spec.type is FieldType.DATE:
            shown = _instant(text) or text
        label = None if spec is None else str(getattr(spec.label, language))
        found.append(Line(str(name), label, shown))
    return found
