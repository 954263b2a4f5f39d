"""JSON log lines: their fields, the correlation id from the context, and secret redaction."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest

from egov.cli import run_log_file
from shared.clock import SimulatedClock
from shared.config import RuntimeSettings
from shared.correlation import correlation_scope
from shared.logging import REDACTED, configure_logging, get_logger, redact, service_scope
from tests.services.fakes import LOG_TIME, captured_logs


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


def test_console_format_and_a_log_file(tmp_path: Path) -> None:
    # EGOV_LOG_FORMAT=console: a person's line, secrets still hidden; EGOV_LOG_FILE: appended
    # to, its folder made, closed when logging is configured again.
    buffer = io.StringIO()
    configure_logging(
        service="egov", level="INFO", clock=SimulatedClock(LOG_TIME), stream=buffer, fmt="console"
    )
    try:
        get_logger("t").info("request.accepted", request_id="r-1", password="hunter2")
        line = buffer.getvalue()
        assert "request.accepted" in line
        assert "request_id=r-1" in line
        assert "hunter2" not in line
        assert REDACTED in line
        assert not line.lstrip().startswith("{")
        file = tmp_path / "logs" / "egov-run.jsonl"
        configure_logging(service="egov", level="INFO", clock=SimulatedClock(LOG_TIME), file=file)
        get_logger("t").info("first")
        [handler] = [
            h for h in logging.getLogger().handlers if type(h).__name__ == "_JsonLinesHandler"
        ]
        configure_logging(service="egov", level="INFO", clock=SimulatedClock(LOG_TIME), file=file)
        get_logger("t").info("second")
        assert handler.stream.closed  # the first file handle, replaced
        events = [json.loads(x)["event"] for x in file.read_text().splitlines()]
        assert events == ["first", "second"]
    finally:
        with captured_logs():  # back to the tests' own configuration, then reset
            pass


def test_egov_run_keeps_the_console_for_its_summary(tmp_path: Path) -> None:
    settings = RuntimeSettings(data_dir=tmp_path)
    assert run_log_file(settings, {}) == tmp_path / "logs" / "egov-run.jsonl"
    assert run_log_file(settings, {"EGOV_LOG_FORMAT": "console"}) is None
    assert run_log_file(settings, {"EGOV_LOG_FORMAT": "json"}) is None  # JSON on stderr
    chosen = RuntimeSettings(data_dir=tmp_path, log_file=tmp_path / "x.log")
    assert run_log_file(chosen, {"EGOV_LOG_FORMAT": "console"}) == tmp_path / "x.log"
