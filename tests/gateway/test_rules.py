"""Access rules: deny by default, topic patterns over system ids, the regional tier chosen from
the recipient id, and a reload that never leaves the gateway with broken rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway_svc.errors import ErrorCode, Rejected
from gateway_svc.rules import (
    DEFAULT_RULES,
    AccessRules,
    Kind,
    RuleBook,
    RulesError,
    Words,
    parse_rules,
)

MINIMAL = """
version: 7
systems:
  portal: {}
  elicense: {}
  provider.almaty.culture: {}
regions:
  almaty: {kk: Алматы, ru: Алматы, en: Almaty}
kinds:
  REQUEST: ["request.#"]
  NOTIFICATION: ["status.#"]
rules:
  - {sender: portal, recipient: "provider.*.*", kinds: [REQUEST]}
"""


def rules(text: str = MINIMAL) -> AccessRules:
    return AccessRules(parse_rules(text))


def code_of(r: AccessRules, sender: str, recipient: str, type_: str) -> ErrorCode:
    with pytest.raises(Rejected) as caught:
        r.route(sender, recipient, type_)
    return caught.value.code


def test_the_shipped_rules_file_loads() -> None:
    book = RuleBook(DEFAULT_RULES)
    route = book.current.route("portal", "provider.almaty.culture", "request.submitted.v1")
    assert (route.kind, route.region) == (Kind.REQUEST, "almaty")
    assert book.current.route("portal", "elicense", "request.submitted.v1").region is None


def test_a_rule_allows_only_its_kind_and_direction() -> None:
    r = rules()
    assert r.route("portal", "provider.almaty.culture", "request.x.v1").kind is Kind.REQUEST
    # Same pair, another kind: no rule says so, so no.
    assert code_of(r, "portal", "provider.almaty.culture", "status.x.v1") is ErrorCode.ROUTE_DENIED
    # The reverse direction is not implied.
    assert code_of(r, "provider.almaty.culture", "portal", "request.x.v1") is ErrorCode.ROUTE_DENIED
    assert code_of(r, "portal", "elicense", "request.x.v1") is ErrorCode.ROUTE_DENIED


def test_unknown_parties_and_types_are_named() -> None:
    r = rules()
    assert code_of(r, "stranger", "portal", "request.x.v1") is ErrorCode.UNKNOWN_SENDER
    assert code_of(r, "portal", "stranger", "request.x.v1") is ErrorCode.UNKNOWN_RECIPIENT
    assert (
        code_of(r, "portal", "provider.almaty.culture", "answer.x.v1")
        is ErrorCode.UNKNOWN_MESSAGE_TYPE
    )


def test_no_rules_means_nothing_passes() -> None:
    r = rules(MINIMAL.split("rules:")[0])
    assert code_of(r, "portal", "provider.almaty.culture", "request.x.v1") is ErrorCode.ROUTE_DENIED


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (("provider.almaty.culture: {}", "provider.almaty: {}"), "provider.<region>"),
        (("almaty: {kk: Алматы, ru: Алматы, en: Almaty}", "{}"), "region 'almaty' is not in"),
        (('recipient: "provider.*.*"', 'recipient: "provider.a*"'), "wildcard must be a whole"),
        (("version: 7", "version: 0"), "version"),
        (("kinds: [REQUEST]", "kinds: [ORDER]"), "kinds"),
    ],
)
def test_invalid_rules_are_refused_with_the_reason(change: tuple[str, str], complaint: str) -> None:
    with pytest.raises(RulesError, match=complaint.replace("*", r"\*").replace(".", r"\.")):
        parse_rules(MINIMAL.replace(*change))


def test_the_shipped_rules_describe_every_system_and_name_every_region_in_each_language() -> None:
    shipped = parse_rules(DEFAULT_RULES.read_text("utf-8"))
    for entry in shipped.systems.values():
        assert entry.description is not None
    assert shipped.systems["provider.almaty.culture"].description == Words(
        kk="Алматы қаласы Мәдениет және архивтер басқармасы",
        ru="Управление культуры и архивов города Алматы",
        en="Almaty Department of Culture and Archives",
    )
    almaty = shipped.regions["almaty"]
    assert (almaty.in_language("kk"), almaty.in_language("en")) == ("Алматы", "Almaty")


@pytest.mark.parametrize(
    ("words", "complaint"),
    [
        ("{kk: Портал, en: Portal}", r"systems\.portal\.description\n.*no ru text"),
        ("{kk: Портал}", "no ru, en text: give it in each of kk, ru, en"),
        ("Portal", "give the text in each of kk, ru, en"),
        ("{kk: Портал, ru: '', en: Portal}", r"systems\.portal\.description\.ru\n"),
    ],
)
def test_a_description_missing_a_language_is_refused_naming_it(words: str, complaint: str) -> None:
    with pytest.raises(RulesError, match=complaint):
        parse_rules(MINIMAL.replace("  portal: {}", f"  portal: {{description: {words}}}"))


def test_a_region_without_its_name_in_each_language_is_refused() -> None:
    unnamed = MINIMAL.replace("{kk: Алматы, ru: Алматы, en: Almaty}", "{kk: Алматы, ru: Алматы}")
    with pytest.raises(RulesError, match=r"regions\.almaty\n.*no en text"):
        parse_rules(unnamed)


async def test_reload_swaps_valid_rules_and_keeps_the_old_ones_on_a_broken_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(MINIMAL, "utf-8")
    book = RuleBook(path)
    assert book.current.version == 7
    path.write_text(
        MINIMAL.replace("version: 7", "version: 8")
        + "  - {sender: portal, recipient: elicense, kinds: [REQUEST]}\n",
        "utf-8",
    )
    assert (await book.reload()).version == 8
    assert book.current.route("portal", "elicense", "request.x.v1").kind is Kind.REQUEST
    path.write_text("version: 9\nsystems: [", "utf-8")
    with pytest.raises(RulesError, match="not YAML"):
        await book.reload()
    assert book.current.version == 8  # still the last good rules, not none (= open) or broken
