"""AMQP topic matching, written once: the in-memory bus routes with it and the gateway can reuse
it. Semantics are RabbitMQ's: a routing key is a list of dot-separated words, ``*`` in a pattern
matches exactly one word and ``#`` matches zero or more words."""

from __future__ import annotations

from functools import lru_cache

# AMQP 0-9-1 "shortstr": names and routing keys are at most 255 bytes.
MAX_LEN = 255


def check_name(kind: str, name: str) -> None:
    """Exchange and queue names: non-empty shortstr (the default exchange "" is not declarable)."""
    if not name or len(name.encode()) > MAX_LEN:
        raise ValueError(f"{kind} name must be 1..{MAX_LEN} bytes, got {name!r}")


def check_routing_key(key: str) -> None:
    """A routing key to publish with: wildcards have no meaning there, so they are refused."""
    if len(key.encode()) > MAX_LEN:
        raise ValueError(f"routing key longer than {MAX_LEN} bytes: {key[:40]!r}...")
    if "*" in key.split(".") or "#" in key.split("."):
        raise ValueError(f"routing key {key!r} contains a wildcard word; only bindings may")


def check_pattern(pattern: str) -> None:
    """A binding pattern: ``*`` and ``#`` must be whole words (``a*`` is a literal in RabbitMQ,
    almost always a mistake, so it is refused here)."""
    if len(pattern.encode()) > MAX_LEN:
        raise ValueError(f"binding pattern longer than {MAX_LEN} bytes: {pattern[:40]!r}...")
    for word in pattern.split("."):
        if word not in ("*", "#") and ("*" in word or "#" in word):
            raise ValueError(
                f"binding pattern {pattern!r}: wildcard must be a whole word, found {word!r}"
            )


def topic_matches(pattern: str, routing_key: str) -> bool:
    """True when ``routing_key`` matches the topic ``pattern``."""
    return _match(_words(pattern), _words(routing_key))


def _words(text: str) -> tuple[str, ...]:
    # RabbitMQ splits "" into no words at all (so "#" matches it and "*" does not).
    return tuple(text.split(".")) if text else ()


@lru_cache(maxsize=4096)
def _match(pattern: tuple[str, ...], key: tuple[str, ...]) -> bool:
    # Dynamic programming over (pattern prefix, key prefix): reachable[j] is True when the
    # pattern words seen so far can match the first j key words. Linear per pattern word, so a
    # pattern full of "#" cannot blow up the way naive backtracking does.
    reachable = [True] + [False] * len(key)
    for word in pattern:
        if word == "#":
            for j in range(1, len(key) + 1):
                reachable[j] = reachable[j] or reachable[j - 1]
        else:
            reachable = [False] + [
                reachable[j - 1] and (word == "*" or word == key[j - 1])
                for j in range(1, len(key) + 1)
            ]
    return reachable[len(key)]
