"""The three languages every page and message is offered in: Kazakh (the state language, the
default, as egov.kz opens), Russian and English; and how a request's language is chosen."""

from __future__ import annotations

from typing import Literal

Language = Literal["kk", "ru", "en"]
LANGUAGES: tuple[Language, ...] = ("kk", "ru", "en")
DEFAULT_LANGUAGE: Language = "kk"
# What a language calls itself, for the switch every page shows.
NATIVE_NAMES: dict[Language, str] = {"kk": "Қазақша", "ru": "Русский", "en": "English"}


def as_language(value: str | None) -> Language | None:
    """``value`` when it names one of :data:`LANGUAGES` (any case), else None."""
    found = (value or "").strip().lower()
    for language in LANGUAGES:
        if found == language:
            return language
    return None


def negotiate(accept_language: str | None) -> Language:
    """The best of kk/ru/en for an ``Accept-Language`` header (RFC 9110 12.5.4 q-values)."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    ranked: list[tuple[float, int, Language]] = []
    for index, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        language = as_language(tag.strip().split("-")[0])
        if language is not None and quality > 0:
            ranked.append((-quality, index, language))
    return min(ranked)[2] if ranked else DEFAULT_LANGUAGE
