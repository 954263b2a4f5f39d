# ruff: noqa: RUF001  -- Kazakh and Russian texts are meant to contain Cyrillic letters
"""Texts of the pages in kk/ru/en: a catalog per service over the shared one. A key missing in
a language falls back to English, then to the key itself (a page's test finds it)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.pages.languages import Language

Entry = Mapping[Language, str]


class Texts:
    def __init__(self, entries: Mapping[str, Entry]) -> None:
        self._entries: dict[str, Entry] = dict(entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def keys(self) -> list[str]:
        return list(self._entries)

    def entry(self, key: str) -> Entry | None:
        return self._entries.get(key)

    def text(self, key: str, language: Language, **fmt: Any) -> str:
        entry = self._entries.get(key)
        if entry is None:
            return key
        found = entry.get(language) or entry.get("en") or key
        return found.format(**fmt) if fmt else found

    def merged(self, other: Texts) -> Texts:
        """These texts with ``other``'s over them."""
        return Texts({**self._entries, **other._entries})


SHARED_TEXTS = Texts(
    {
        "egov": {
            "kk": "Электрондық үкімет шлюзі: симулятор",
            "ru": "Шлюз электронного правительства: симулятор",
            "en": "E-government gateway simulator",
        },
        "skip": {
            "kk": "Негізгі мазмұнға өту",
            "ru": "Перейти к содержимому",
            "en": "Skip to the content",
        },
        "language": {"kk": "Тіл", "ru": "Язык", "en": "Language"},
        "home": {"kk": "Басты бет", "ru": "Главная", "en": "Home"},
        "api_docs": {
            "kk": "API құжаттамасы",
            "ru": "Документация API",
            "en": "API documentation",
        },
        "health": {"kk": "Жағдайы", "ru": "Состояние", "en": "Health"},
        "metrics": {"kk": "Метрикалар", "ru": "Метрики", "en": "Metrics"},
        "error": {"kk": "Қате", "ru": "Ошибка", "en": "Error"},
        "back": {"kk": "Артқа", "ru": "Назад", "en": "Back"},
        "not_found": {
            "kk": "Мұндай бет жоқ.",
            "ru": "Такой страницы нет.",
            "en": "There is no such page.",
        },
        "service_pages": {
            "kk": "Осы жүйенің беттері",
            "ru": "Страницы этой системы",
            "en": "This system's pages",
        },
        "for_developers": {
            "kk": "Әзірлеушілерге",
            "ru": "Разработчикам",
            "en": "For developers",
        },
        # Each service's name, in the header of its pages.
        "service.portal": {
            "kk": "Электрондық үкімет порталы (ЭҮП)",
            "ru": "Портал электронного правительства (ПЭП)",
            "en": "E-government portal (egov.kz)",
        },
        "service.gateway": {
            "kk": "Электрондық үкімет шлюзі (ЭҮШ)",
            "ru": "Шлюз электронного правительства (ШЭП)",
            "en": "E-government gateway",
        },
        "service.elicense": {
            "kk": "«Е-лицензиялау» МДБ",
            "ru": "ГБД «Е-лицензирование»",
            "en": "E-licensing (elicense.kz)",
        },
        "service.registry": {
            "kk": "ҰКО, ЖТ және ЗТ мемлекеттік деректер базалары",
            "ru": "НУЦ, ГБД ФЛ и ГБД ЮЛ",
            "en": "National Certification Authority and the state registries",
        },
        "service.provider": {
            "kk": "Қызмет берушінің жұмыс орны",
            "ru": "Рабочее место услугодателя",
            "en": "The provider's workstation",
        },
        "sign_in": {"kk": "Кіру", "ru": "Вход", "en": "Sign in"},
        "sign_out": {"kk": "Шығу", "ru": "Выход", "en": "Sign out"},
        "sign_in_how": {
            "kk": "ЭЦҚ кілтіңізбен кіріңіз: қол қою бағдарламасы (NCALayer немесе egov signer) "
            "кілтті таңдап, құпиясөзді сұрайды. Бет кілтті де, құпиясөзді де көрмейді.",
            "ru": "Войдите с ключом ЭЦП: программа подписи (NCALayer или egov signer) предложит "
            "выбрать ключ и спросит пароль. Страница не видит ни ключа, ни пароля.",
            "en": "Sign in with your EDS key: the signing application (NCALayer or egov signer) "
            "lets you choose the key and asks for its password. The page sees neither.",
        },
        "sign_in_with_key": {
            "kk": "ЭЦҚ арқылы кіру",
            "ru": "Войти с ЭЦП",
            "en": "Sign in with the EDS",
        },
        "foreign_origin": {
            "kk": "Бұл пішін басқа сайттан жіберілді: қабылданбады.",
            "ru": "Эта форма отправлена с другого сайта и не принята.",
            "en": "This form was sent from another site and was not accepted.",
        },
        "role_required": {
            "kk": "Бұл бет сіздің рөліңізге арналмаған.",
            "ru": "Эта страница не для вашей роли.",
            "en": "This page is not for your role.",
        },
        "signer_unavailable": {
            "kk": "Қол қою бағдарламасы (NCALayer немесе egov signer) қосылмаған.",
            "ru": "Программа подписи (NCALayer или egov signer) не запущена.",
            "en": "The signing application (NCALayer or egov signer) is not running.",
        },
        "signer_cancelled": {
            "kk": "Қол қою тоқтатылды.",
            "ru": "Подписание отменено.",
            "en": "Signing was cancelled.",
        },
    }
)
