"""``--mix`` and ``--refuse``: what a run is asked to send; bad values are refused with the item
and the reason before anything starts."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from egov.load.mix import MixError, parse_mix, parse_share
from regulations import definitions_dir
from shared.regulation.catalog import Catalog


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.from_directory(definitions_dir())


def test_letters_and_codes_name_services_and_weights_are_normalised(catalog: Catalog) -> None:
    mix = parse_mix("A=2, minerals_absence_conclusion=1,D=1", catalog)
    assert mix.weights == (
        ("cultural_values_export", 0.5),
        ("minerals_absence_conclusion", 0.25),
        ("minerals_building_permit", 0.25),
    )
    assert mix.as_text() == (
        "cultural_values_export=0.5,minerals_absence_conclusion=0.25,minerals_building_permit=0.25"
    )


def test_picks_follow_the_weights(catalog: Catalog) -> None:
    mix = parse_mix("A=0.5,C=0.3,D=0.2", catalog)
    rng = random.Random(7)
    counts = Counter(mix.pick(rng) for _ in range(20_000))
    # Binomial standard deviation at 20,000 draws is under 0.004; 0.02 is five of them.
    assert counts["cultural_values_export"] / 20_000 == pytest.approx(0.5, abs=0.02)
    assert counts["minerals_absence_conclusion"] / 20_000 == pytest.approx(0.3, abs=0.02)
    assert counts["minerals_building_permit"] / 20_000 == pytest.approx(0.2, abs=0.02)


def test_a_single_service_is_always_picked(catalog: Catalog) -> None:
    mix = parse_mix("C=3", catalog)
    rng = random.Random(1)
    assert {mix.pick(rng) for _ in range(100)} == {"minerals_absence_conclusion"}


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "--mix is empty"),
        ("  ", "--mix is empty"),
        ("A", "'A' is not SERVICE=WEIGHT"),
        ("A=", "'A=' is not SERVICE=WEIGHT"),
        ("=0.5", "'=0.5' is not SERVICE=WEIGHT"),
        ("A=0.5,,C=0.5", "an empty item"),
        ("A=0.5,", "an empty item"),
        ("Z=1", "no service 'Z'; known: A (cultural_values_export)"),
        ("A=half", "the weight 'half' is not a number"),
        ("A=0", "the weight must be a positive number, got '0'"),
        ("A=-1", "the weight must be a positive number, got '-1'"),
        ("A=inf", "the weight must be a positive number, got 'inf'"),
        ("A=nan", "the weight must be a positive number, got 'nan'"),
        ("A=1,cultural_values_export=1", "names cultural_values_export twice"),
    ],
)
def test_a_bad_mix_is_refused_with_the_reason(catalog: Catalog, text: str, says: str) -> None:
    with pytest.raises(MixError) as refused:
        parse_mix(text, catalog)
    assert says in str(refused.value)


@pytest.mark.parametrize(("text", "value"), [("0", 0.0), ("0.25", 0.25), ("1", 1.0)])
def test_the_refused_share_is_a_probability(text: str, value: float) -> None:
    assert parse_share(text, "--refuse") == value


@pytest.mark.parametrize("text", ["-0.1", "1.5", "nan", "a lot"])
def test_a_share_outside_zero_to_one_is_refused(text: str) -> None:
    with pytest.raises(MixError, match="--refuse must be"):
        parse_share(text, "--refuse")
