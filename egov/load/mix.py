"""The service mix (``--mix A=0.5,C=0.3,D=0.2``) and the outcome mix (``--refuse 0.1``).

A mix names services by their DIGEST letter or definition code, each with a positive weight;
the weights are normalised, so ``A=1,C=1`` is half and half. Anything else is a
:class:`MixError` that says what is wrong and where.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from shared.regulation.catalog import Catalog
from shared.regulation.errors import UnknownService


class MixError(ValueError):
    """A ``--mix`` or outcome-mix value that cannot be used; the message names the problem."""


@dataclass(frozen=True)
class Mix:
    """Services (definition codes) with normalised weights, in the order given."""

    weights: tuple[tuple[str, float], ...]

    def __post_init__(self) -> None:
        if not self.weights:
            raise MixError("the mix names no service")
        self._cumulative: tuple[float, ...]
        object.__setattr__(
            self, "_cumulative", tuple(itertools.accumulate(w for _, w in self.weights))
        )

    @property
    def services(self) -> tuple[str, ...]:
        return tuple(code for code, _ in self.weights)

    def share(self, code: str) -> float:
        return dict(self.weights).get(code, 0.0)

    def pick(self, rng: random.Random) -> str:
        """One service, drawn with the mix's weights."""
        point = rng.random() * self._cumulative[-1]
        index = min(bisect.bisect_right(self._cumulative, point), len(self.weights) - 1)
        return self.weights[index][0]

    def as_text(self) -> str:
        return ",".join(f"{code}={weight:.3g}" for code, weight in self.weights)


def parse_mix(text: str, catalog: Catalog) -> Mix:
    """``A=0.5,C=0.3,D=0.2`` (letters or codes, ``=`` weights > 0) -> a :class:`Mix` over
    definition codes. A service named twice, an unknown service, a weight that is not a
    positive finite number, or a malformed item is refused with the item in the message."""
    items = [item.strip() for item in text.split(",")]
    if not text.strip() or not any(items):
        raise MixError("--mix is empty: give SERVICE=WEIGHT items, e.g. A=0.5,C=0.3,D=0.2")
    seen: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name, value = name.strip(), value.strip()
        if not item:
            raise MixError(f"--mix {text!r}: an empty item (two commas in a row?)")
        if not sep or not name or not value:
            raise MixError(f"--mix item {item!r} is not SERVICE=WEIGHT")
        try:
            code = catalog.resolve_code(name)
        except UnknownService:
            known = ", ".join(_known(catalog))
            raise MixError(f"--mix item {item!r}: no service {name!r}; known: {known}") from None
        weight = _positive(value, f"--mix item {item!r}")
        if code in seen:
            raise MixError(f"--mix names {code} twice ({item!r})")
        seen[code] = weight
    return normalised(seen)


def normalised(weights: Mapping[str, float]) -> Mix:
    total = math.fsum(weights.values())
    return Mix(tuple((code, weight / total) for code, weight in weights.items()))


def parse_share(text: str, what: str) -> float:
    """A probability in [0, 1] (the outcome mix: the share of applications bots refuse)."""
    try:
        value = float(text)
    except ValueError:
        raise MixError(f"{what} must be a number between 0 and 1, got {text!r}") from None
    if not math.isfinite(value) or not 0.0 <= value <= 1.0:
        raise MixError(f"{what} must be between 0 and 1, got {text!r}")
    return value


def _positive(value: str, where: str) -> float:
    try:
        weight = float(value)
    except ValueError:
        raise MixError(f"{where}: the weight {value!r} is not a number") from None
    if not math.isfinite(weight) or weight <= 0:
        raise MixError(f"{where}: the weight must be a positive number, got {value!r}")
    return weight


def _known(catalog: Catalog) -> Iterable[str]:
    letters = {d.code: d.letter for d in catalog.definitions}
    return (f"{letter} ({code})" for code, letter in sorted(letters.items(), key=lambda x: x[1]))
