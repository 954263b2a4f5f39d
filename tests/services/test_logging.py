"""JSON log lines: their fields, the correlation id from the context, and secret redaction."""

from __future__ import annotations

import logging

import pytest

from shared.correlation import correlation_scope
from shared.logging import REDACTED, get_logger, redact, service_scope
from tests.services.fakes import captured_logs


def test_each_line_is_one_json_object_with_the_standard_fields() -> None:
    with captured_logs(service="egov") as logs:
        get_logger("t").info("request.accepted", request_id="r-1")
    [line] = logs.lines()
    assert line["event"] == "request.accepted"
    assert line["level"] == "info"
    assert line["service"] == "egov"
    assert line["timestamp"] == "2024-03-01T10:30:00+00:00"
    assert line["correlation_id"] is None
    assert line["request_id"] == "r-1"


def test_correlation_id_and_service_come_from_the_context() -> None:
    with captured_logs(service="egov") as logs:
        with service_scope("provider"), correlation_scope("req-77"):
            get_logger("t").info("inside")
        get_logger("t").info("outside")
    inside, outside = logs.lines()
    assert (inside["service"], inside["correlation_id"]) == ("provider", "req-77")
    assert (outside["service"], outside["correlation_id"]) == ("egov", None)


def test_correlation_scope_refuses_a_malformed_id() -> None:
    with pytest.raises(ValueError, match="correlation id"), correlation_scope("two\nlines"):
        pass


def test_standard_library_records_are_json_too() -> None:
    with captured_logs() as logs, correlation_scope("req-1"):
        logging.getLogger("uvicorn.error").warning("port %d busy", 8081, extra={"tries": 3})
    [line] = logs.lines()
    assert line["event"] == "port 8081 busy"
    assert line["level"] == "warning"
    assert line["tries"] == 3
    assert line["correlation_id"] == "req-1"


def test_level_filters_lines() -> None:
    with captured_logs(level="WARNING") as logs:
        get_logger("t").info("hidden")
        get_logger("t").warning("shown")
    assert [line["event"] for line in logs.lines()] == ["shown"]


@pytest.mark.parametrize(
    "key",
    [
        "password",
        "db_password",
        "token",
        "access-token",
        "client_secret",
        "private_key",
        "Authorization",
        "api_key",
        "set-cookie",
        "pkcs12_password",
    ],
)
def test_secret_keys_are_redacted_at_any_depth(key: str) -> None:
    with captured_logs() as logs:
        get_logger("t").info(
            "call",
            **{key: "s3cr3t"},
            request={"headers": {key: "s3cr3t", "accept": "json"}},
            pairs=[(key, "s3cr3t"), ("accept", "json")],
        )
    [line] = logs.lines()
    assert "s3cr3t" not in str(line)
    assert line[key] == REDACTED
    assert line["request"]["headers"] == {key: REDACTED, "accept": "json"}
    assert line["pairs"] == [[key, REDACTED], ["accept", "json"]]


def test_passwords_inside_urls_and_text_are_masked() -> None:
    with captured_logs() as logs:
        get_logger("t").info(
            "connecting to amqp://egov:s3cr3t@rabbit:5672/",
            dsn="postgresql://egov:s3cr3t@db:5432/egov",
            note="retrying with password=s3cr3t; Authorization: Bearer s3cr3t",
        )
    [line] = logs.lines()
    assert "s3cr3t" not in str(line)
    assert line["event"] == f"connecting to amqp://egov:{REDACTED}@rabbit:5672/"
    assert line["dsn"] == f"postgresql://egov:{REDACTED}@db:5432/egov"


def test_exception_tracebacks_are_redacted() -> None:
    with captured_logs() as logs:
        try:
            raise ConnectionError("login failed for token=s3cr3t")
        except ConnectionError:
            get_logger("t").exception("broker.down")
    [line] = logs.lines()
    assert "ConnectionError" in line["exception"]
    assert "s3cr3t" not in line["exception"]


def test_ordinary_values_are_left_alone() -> None:
    value = {"correlation_id": "req-1", "url": "http://db:5432/x", "items": [1, "a"]}
    assert redact(value) == value
