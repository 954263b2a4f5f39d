from __future__ import annotations

import re
from pathlib import Path

import pytest

from egov.embedded import settings_classes
from elicense_svc.settings import ElicenseSettings
from gateway_svc.settings import GatewaySettings
from portal_svc.settings import PortalSettings
from provider_svc.settings import ProviderSettings
from registry_svc.settings import RegistrySettings
from shared.config import (
    Environment,
    SettingsError,
    env_var,
    load_settings,
    settings_table,
)

DOC = Path(__file__).resolve().parent.parent / "docs" / "runtime.md"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # CI exports EGOV_PG_DSN and EGOV_AMQP_URL for the infrastructure tests; defaults are
    # what these tests check, so start from an environment without any EGOV_* variable.
    import os

    for name in list(os.environ):
        if name.startswith("EGOV_"):
            monkeypatch.delenv(name)


def test_defaults_are_the_documented_ones() -> None:
    settings = load_settings(PortalSettings)
    assert settings.environment is Environment.DEVELOPMENT
    assert settings.data_dir == Path("var")
    assert settings.log_level == "INFO"
    assert settings.pg_dsn is None
    assert settings.amqp_url is None
    assert settings.host == "127.0.0.1"
    assert settings.port == 8081
    assert settings.resolved_event_store_url() == "sqlite:///var/portal.sqlite3"


@pytest.mark.parametrize(
    ("cls", "port"),
    [
        (PortalSettings, 8081),
        (GatewaySettings, 8082),
        (ElicenseSettings, 8083),
        (RegistrySettings, 8084),
        (ProviderSettings, 8085),
    ],
)
def test_each_service_has_its_port_and_prefix(cls: type[PortalSettings], port: int) -> None:
    assert load_settings(cls).port == port
    assert env_var(cls, "port") == f"EGOV_{cls.service.upper()}_PORT"


def test_environment_overrides_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("EGOV_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("EGOV_LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("EGOV_SHUTDOWN_TIMEOUT_S", "2.5")
    monkeypatch.setenv("EGOV_GATEWAY_PORT", "9999")
    gateway = load_settings(GatewaySettings)
    portal = load_settings(PortalSettings)
    assert gateway.port == 9999
    assert portal.port == 8081  # another service's variable is not ours
    assert gateway.log_level == portal.log_level == "DEBUG"
    assert gateway.shutdown_timeout_s == 2.5
    assert gateway.resolved_event_store_url() == f"sqlite:///{tmp_path}/gateway.sqlite3"


def test_explicit_event_store_url_wins_over_pg_dsn(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EGOV_PG_DSN", "postgresql://egov@db:5432/egov")
    assert (
        load_settings(RegistrySettings).resolved_event_store_url()
        == "postgresql://egov@db:5432/egov?schema=registry"
    )
    monkeypatch.setenv("EGOV_REGISTRY_EVENT_STORE_URL", "sqlite:///elsewhere.db")
    assert load_settings(RegistrySettings).resolved_event_store_url() == "sqlite:///elsewhere.db"


def test_pg_dsn_with_query_keeps_it() -> None:
    settings = load_settings(PortalSettings, pg_dsn="postgresql://db/egov?sslmode=require")
    assert settings.resolved_event_store_url() == (
        "postgresql://db/egov?sslmode=require&schema=portal"
    )


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("EGOV_PORTAL_PORT", "eighty", r"EGOV_PORTAL_PORT='eighty': Input should be a valid int"),
        ("EGOV_PORTAL_PORT", "70000", r"EGOV_PORTAL_PORT='70000': .*less than or equal to 65535"),
        ("EGOV_LOG_LEVEL", "LOUD", r"EGOV_LOG_LEVEL='LOUD': Input should be 'DEBUG'"),
        ("EGOV_ENVIRONMENT", "staging", r"EGOV_ENVIRONMENT='staging'.*'development'"),
        ("EGOV_SHUTDOWN_TIMEOUT_S", "0", r"EGOV_SHUTDOWN_TIMEOUT_S='0': .*greater than 0"),
    ],
)
def test_bad_value_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=message):
        load_settings(PortalSettings)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("EGOV_AMQP_URL", "amqp://guest:guest@rabbit:5672/"),
        ("EGOV_PG_DSN", "postgresql://postgres:postgres@db/egov"),
        ("EGOV_PORTAL_EVENT_STORE_URL", "postgresql://admin:admin@db/egov"),
    ],
)
def test_production_refuses_default_credentials(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    assert load_settings(PortalSettings)  # development accepts them
    monkeypatch.setenv("EGOV_ENVIRONMENT", "production")
    with pytest.raises(SettingsError, match=f"{variable} uses a well-known default"):
        load_settings(PortalSettings)


def test_production_accepts_real_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EGOV_ENVIRONMENT", "production")
    monkeypatch.setenv("EGOV_AMQP_URL", "amqp://egov-portal:Xk29-long-random@rabbit:5672/")
    assert load_settings(PortalSettings).environment is Environment.PRODUCTION


def test_settings_table_lists_every_variable_once() -> None:
    classes = settings_classes()
    table = settings_table(classes)
    variables = re.findall(r"^\| `(EGOV_[A-Z0-9_]+)` \|", table, flags=re.MULTILINE)
    assert len(variables) == len(set(variables))
    expected = {env_var(cls, name) for cls in classes for name in cls.model_fields}
    assert set(variables) == expected
    assert {"EGOV_DATA_DIR", "EGOV_PG_DSN", "EGOV_AMQP_URL", "EGOV_PROVIDER_PORT"} <= expected
    assert "| `EGOV_DATA_DIR` | `./var` |" in table


def test_docs_show_the_current_settings_table() -> None:
    text = DOC.read_text(encoding="utf-8")
    start = "<!-- settings-table:start (generated by `egov settings`) -->\n"
    end = "<!-- settings-table:end -->"
    assert start in text, "docs/runtime.md lost its settings-table start marker"
    assert end in text, "docs/runtime.md lost its settings-table end marker"
    documented = text.split(start, 1)[1].split(end, 1)[0]
    assert documented == settings_table(settings_classes()), (
        "docs/runtime.md is out of date: paste the output of `egov settings` between the markers"
    )


def test_settings_defaults_do_not_depend_on_where_the_checkout_lies() -> None:
    # The documented table is compared with the generated one in every clone; a default holding
    # this checkout's absolute path would pass here and fail in a clone at another path.
    root = str(Path(__file__).resolve().parents[1])
    table = settings_table(settings_classes())
    assert root not in table
