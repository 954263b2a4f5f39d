"""Topic matching with RabbitMQ's rules (https://www.rabbitmq.com/tutorials/tutorial-five-python)."""

from __future__ import annotations

import pytest

from shared.bus.topic import check_pattern, check_routing_key, topic_matches


@pytest.mark.parametrize(
    ("pattern", "key", "expected"),
    [
        ("a.b", "a.b", True),
        ("a.b", "a.c", False),
        ("a.*", "a.b", True),
        ("a.*", "a", False),
        ("a.*", "a.b.c", False),
        ("*.b", "a.b", True),
        ("*", "a", True),
        ("*", "", False),  # "" has no words, "*" needs exactly one
        ("#", "", True),
        ("#", "a.b.c", True),
        ("a.#", "a", True),  # "#" matches zero words
        ("a.#", "a.b.c", True),
        ("a.#", "b.a", False),
        ("#.c", "c", True),
        ("#.c", "a.b.c", True),
        ("#.c", "a.c.d", False),
        ("a.#.c", "a.c", True),
        ("a.#.c", "a.x.y.c", True),
        ("a.#.c", "a.x.y", False),
        ("*.*", "a", False),
        ("*.#.*", "a.b", True),
        ("*.#.*", "a", False),
        ("#.#", "a.b", True),
        ("portal.*.v1", "portal.submitted.v1", True),
        ("portal.*.v1", "portal.submitted.v2", False),
    ],
)
def test_topic_matches_like_rabbitmq(pattern: str, key: str, expected: bool) -> None:
    assert topic_matches(pattern, key) is expected


def test_many_hashes_do_not_explode() -> None:
    # Naive backtracking is exponential here; the matcher must stay linear per word.
    assert topic_matches(".".join(["#"] * 40) + ".z", ".".join(["a"] * 60)) is False


@pytest.mark.parametrize("pattern", ["a*", "a.b#", "#a.b"])
def test_partial_wildcard_words_are_refused(pattern: str) -> None:
    with pytest.raises(ValueError, match="whole word"):
        check_pattern(pattern)


@pytest.mark.parametrize("key", ["a.*", "#", "a.#.b"])
def test_wildcards_in_a_publish_routing_key_are_refused(key: str) -> None:
    with pytest.raises(ValueError, match="wildcard"):
        check_routing_key(key)


def test_overlong_routing_key_is_refused() -> None:
    with pytest.raises(ValueError, match="255"):
        check_routing_key("a" * 256)
