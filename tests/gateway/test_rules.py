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
    parse_rules,
)

MINIMAL = """
version: 7
systems:
  portal: {}
  elicense: {}
  provider.almaty.culture: {}
regions: [almaty]
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
        (("regions: [almaty]", "regions: []"), "region 'almaty' is not in regions"),
        (('recipient: "provider.*.*"', 'recipient: "provider.a*"'), "wildcard must be a whole"),
        (("version: 7", "version: 0"), "version"),
        (("kinds: [REQUEST]", "kinds: [ORDER]"), "kinds"),
    ],
)
def test_invalid_rules_are_refused_with_the_reason(change: tuple[str, str], complaint: str) -> None:
    with pytest.raises(RulesError, match=complaint.replace("*", r"\*").replace(".", r"\.")):
        parse_rules(MINIMAL.replace(*change))


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
