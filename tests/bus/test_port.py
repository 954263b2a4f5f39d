"""Bad input to the bus is refused with a specific error before anything reaches a broker."""

from __future__ import annotations

import pytest

from shared.bus.headers import check_message
from shared.bus.port import Binding, Message, QueueSpec


def test_backoff_doubles_then_caps() -> None:
    spec = QueueSpec("q", max_attempts=6, backoff_base_ms=100, backoff_max_ms=500)
    assert [spec.retry_delay_ms(n) for n in range(1, 6)] == [100, 200, 400, 500, 500]
    # One delay queue per distinct delay: the capped ones share a queue.
    assert spec.retry_delays_ms() == [100, 200, 400, 500]


def test_a_single_attempt_queue_needs_no_delay_queue() -> None:
    assert QueueSpec("q", max_attempts=1).retry_delays_ms() == []


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"max_attempts": 0}, "max_attempts"),
        ({"backoff_base_ms": 0}, "backoff_base_ms"),
        ({"backoff_base_ms": 500, "backoff_max_ms": 100}, "backoff_base_ms"),
    ],
)
def test_queue_spec_refuses_bad_retry_settings(kwargs: dict[str, int], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        QueueSpec("q", **kwargs)


def test_empty_queue_name_is_refused() -> None:
    with pytest.raises(ValueError, match="queue name"):
        QueueSpec("")


def test_binding_refuses_a_malformed_pattern() -> None:
    with pytest.raises(ValueError, match="whole word"):
        Binding("ev", "orders.created*")


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"message_id": ""}, "message_id"),
        ({"exchange": ""}, "exchange name"),
        ({"routing_key": "a.*"}, "wildcard"),
        ({"headers": {"X-Egov-Attempt": 9}}, "reserved"),
        ({"headers": {"ok": 1.5}}, "str or int"),
        ({"headers": {"ok": True}}, "str or int"),
    ],
)
def test_message_checks(changes: dict[str, object], error: str) -> None:
    fields: dict[str, object] = {
        "exchange": "ev",
        "routing_key": "a.b",
        "body": b"{}",
        "message_id": "m1",
    }
    fields.update(changes)
    with pytest.raises(ValueError, match=error):
        check_message(Message(**fields))  # type: ignore[arg-type]
