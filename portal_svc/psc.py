"""Public Service Centers (ХҚКО / ЦОН, seed 004) known to the desk: system id and the
center's BIN. An operator is whoever signs with a certificate carrying that BIN."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Center:
    desk: str  # system id in gateway_svc/rules.yaml
    bin: str
    name: str


CENTERS: Final[tuple[Center, ...]] = (
    Center("psc.astana", "070240000019", "ХҚКО, Astana"),
    Center("psc.almaty", "070240000029", "ХҚКО, Almaty"),
)


def center_by_bin(bin_: str | None) -> Center | None:
    return next((c for c in CENTERS if c.bin == bin_), None)


def center(desk: str) -> Center | None:
    return next((c for c in CENTERS if c.desk == desk), None)
