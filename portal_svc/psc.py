"""Public Service Centers (ХҚКО / ЦОН, seed 004) known to the desk: system id and the
center's BIN. An operator is whoever signs with a certificate carrying that BIN."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Center:
    desk: str  # system id in gateway_svc/rules.yaml
    bin: str
    name: str  # the organisation its employees' certificates name
    titles: Mapping[str, str]  # the center's name as a reader reads it, per language (kk/ru/en)

    def title(self, language: str) -> str:
        """The center's name in ``language`` (its certificates' name where none is given)."""
        return self.titles.get(language) or self.name


CENTERS: Final[tuple[Center, ...]] = (
    Center(
        "psc.astana",
        "070240000019",
        "ХҚКО, Astana",
        {
            "kk": "Астана қаласының халыққа қызмет көрсету орталығы",
            "ru": "Центр обслуживания населения города Астаны",
            "en": "Public Service Center of Astana",
        },
    ),
    Center(
        "psc.almaty",
        "070240000029",
        "ХҚКО, Almaty",
        {
            "kk": "Алматы қаласының халыққа қызмет көрсету орталығы",
            "ru": "Центр обслуживания населения города Алматы",
            "en": "Public Service Center of Almaty",
        },
    ),
)


def center_by_bin(bin_: str | None) -> Center | None:
    return next((c for c in CENTERS if c.bin == bin_), None)


def center(desk: str) -> Center | None:
    return next((c for c in CENTERS if c.desk == desk), None)
