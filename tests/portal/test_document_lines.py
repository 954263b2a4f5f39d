"""The signed result as the result page reads it (portal_svc.pages.document): a text given per
language with a flag beside it (the regulations' ``ru_is_translation``) is read as that text,
so an E-licensing permit's title and its provider are named, not shown as their raw parts."""

from __future__ import annotations

from portal_svc.pages import portal_pages
from portal_svc.pages.document import document_lines, localized
from regulations import definitions_dir
from shared.regulation.catalog import Catalog

NAME = {"kk": "Рұқсат", "ru": "Разрешение", "en": "Permit", "ru_is_translation": True}
PROVIDER = {"kk": "Мәдениет басқармасы", "ru": "Управление культуры", "ru_is_translation": False}


def test_a_text_per_language_with_a_flag_beside_it_is_that_text() -> None:
    assert localized(NAME, "kk") == "Рұқсат"
    assert localized(NAME, "en") == "Permit"
    assert localized(PROVIDER, "en") == "Управление культуры"  # no English: the Russian
    assert localized({"ru_is_translation": True}, "ru") is None
    assert localized({"kk": "a", "code": "x"}, "kk") is None  # not a text per language


def test_a_permits_title_and_provider_are_named_in_the_readers_language() -> None:
    definition = Catalog.from_directory(definitions_dir()).get(
        "cultural_values_export", "almaty-2014"
    )
    document = {
        "title": NAME,
        "provider": {"id": "provider.almaty.culture", "name": PROVIDER},
        "permit_number": "KZ-001",
    }
    lines = {line.key: line for line in document_lines(document, definition, portal_pages(), "ru")}
    assert (lines["title"].value, lines["title"].lines) == ("Разрешение", ())
    assert (lines["provider"].value, lines["provider"].lines) == ("Управление культуры", ())
    assert lines["permit_number"].identifier
