"""Settings of every service, read from ``EGOV_*`` environment variables (pydantic-settings).

Two layers: :class:`RuntimeSettings` holds what every process shares (``EGOV_DATA_DIR``,
``EGOV_LOG_LEVEL``, ...); each service extends :class:`ServiceSettings` with its own prefix
(``EGOV_PORTAL_PORT``, ``EGOV_PORTAL_EVENT_STORE_URL``, ...). The shared fields carry an explicit
alias, which pydantic-settings never prefixes, so ``EGOV_LOG_LEVEL`` is read by every service.

Load through :func:`load_settings`: a bad value then names the environment variable to fix.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar, Literal, TypeVar
from urllib.parse import unquote, urlsplit

from pydantic import AliasChoices, Field, SecretStr, ValidationError, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, SettingsConfigDict

PREFIX = "EGOV_"

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]

# Credentials that ship with the servers' images and tutorials. Acceptable on a laptop, never in
# production, where anyone could guess them.
DEFAULT_CREDENTIALS = frozenset(
    {("guest", "guest"), ("postgres", "postgres"), ("admin", "admin"), ("egov", "egov")}
)

# Where NCALayer listens on the person's own machine; the pages' script signs through it.
DEFAULT_SIGNER_URL = "wss://127.0.0.1:13579"


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class SettingsError(ValueError):
    """The environment holds a setting that cannot be used; the message names the variable."""


def _shared(default: Any, name: str, description: str, **constraints: Any) -> Any:
    # The alias is the full variable name: pydantic-settings does not prefix aliased fields, so
    # a service class with its own prefix still reads the shared variable.
    return Field(
        default,
        validation_alias=AliasChoices(f"{PREFIX}{name}"),
        description=description,
        **constraints,
    )


class RuntimeSettings(BaseSettings):
    """Settings every process reads, whatever service it runs."""

    model_config = SettingsConfigDict(
        env_prefix=PREFIX,
        populate_by_name=True,  # tests and the composition root build settings by field name
        extra="ignore",  # EGOV_* variables of other services are not ours to refuse
        frozen=True,
    )

    environment: Environment = _shared(
        Environment.DEVELOPMENT,
        "ENVIRONMENT",
        "development or production; production refuses well-known default credentials",
    )
    data_dir: Path = _shared(
        Path("./var"),
        "DATA_DIR",
        "directory of the embedded SQLite event logs (created if missing)",
    )
    log_level: LogLevel = _shared("INFO", "LOG_LEVEL", "DEBUG, INFO, WARNING, ERROR or CRITICAL")
    log_format: Literal["json", "console"] = _shared(
        "json",
        "LOG_FORMAT",
        "how log lines are written: json (one JSON object per line, for machines and log "
        "collectors) or console (readable lines, for a person watching)",
    )
    log_file: Path | None = _shared(
        None,
        "LOG_FILE",
        "file the log lines are appended to instead of stderr (its folder made if missing); "
        "egov run writes <EGOV_DATA_DIR>/logs/egov-run.jsonl unless this or EGOV_LOG_FORMAT "
        "is set, and keeps the console for its summary",
    )
    pg_dsn: str | None = _shared(
        None,
        "PG_DSN",
        "PostgreSQL server; when set, a service without its own event-store URL keeps its "
        "log there, in a schema named after the service",
    )
    pg_pool_max: int = _shared(
        5,
        "PG_POOL_MAX",
        "most PostgreSQL connections one service process holds (its HTTP handlers, outbox "
        "relay, inbox consumers and projections share them); 5 services x 5 = 25, so four "
        "stacks fit in PostgreSQL's default max_connections of 100",
        ge=1,
        le=100,
    )
    pg_pool_min: int = _shared(
        1,
        "PG_POOL_MIN",
        "PostgreSQL connections a service process opens at start and keeps (at most "
        "EGOV_PG_POOL_MAX)",
        ge=1,
        le=100,
    )
    amqp_url: str | None = _shared(
        None, "AMQP_URL", "RabbitMQ broker; unset = the in-memory bus (embedded mode)"
    )
    host: str = _shared("127.0.0.1", "HOST", "interface the HTTP servers listen on")
    registry_url: str | None = _shared(
        None,
        "REGISTRY_URL",
        "where this process reaches the НУЦ (scheme://host:port) when its network names it "
        "otherwise than the certificates do (a container: http://registry:8084): it replaces "
        "the origin of every OCSP and CRL address a certificate names, the path kept; unset = "
        "the addresses as the certificates name them",
        pattern=r"^https?://[^\s/?#]+/?$",
    )
    signer_url: str = _shared(
        DEFAULT_SIGNER_URL,
        "SIGNER_URL",
        "where the pages' script finds the person's local signer (NCALayer, or egov signer), "
        "as the browser reaches it; NCALayer's own address by default",
        pattern=r"^wss?://[^\s\"'<>]+$",
    )
    shutdown_timeout_s: float = _shared(
        10.0,
        "SHUTDOWN_TIMEOUT_S",
        "seconds in-flight HTTP requests get to finish after SIGINT/SIGTERM",
        gt=0,
    )
    health_timeout_s: float = _shared(
        2.0,
        "HEALTH_TIMEOUT_S",
        "seconds each /health check may take before it counts as failed",
        gt=0,
    )
    max_body_bytes: int = _shared(
        1024 * 1024,
        "MAX_BODY_BYTES",
        "largest HTTP request body a service reads, in bytes; a larger one is refused with 413 "
        "body_too_large before it is read (the portal's attachments and the gateway's sync "
        "channel follow their own limits instead)",
        ge=1024,
    )
    bus_namespace: str = _shared(
        "",
        "BUS_NAMESPACE",
        "prefix of every RabbitMQ exchange and queue name (e.g. 'run1.'), so several topologies "
        "share one broker; set = the names declared are also journalled under "
        "<EGOV_DATA_DIR>/bus/ so that egov.stack can delete them afterwards",
        pattern=r"^([A-Za-z0-9_-]+\.)?$",
    )
    ocsp_max_age_s: int = _shared(
        300,
        "OCSP_MAX_AGE_S",
        "seconds a cached OCSP answer may be reused (measured from the responder's thisUpdate); "
        "the НУЦ's pki.revoked event drops a revoked certificate's answer at once, so this bounds "
        "how long a revoked certificate can pass only when that event is missed (bus down); "
        "stricter than X-Road's 3,600 s; a stale answer with the responder unreachable fails "
        "closed (REVOCATION_UNKNOWN)",
        ge=10,
        le=3600,
    )
    signed_call_window_s: int = _shared(
        300,
        "SIGNED_CALL_WINDOW_S",
        "seconds a signed HTTP call's X-Egov-Timestamp may lie before or after the service's "
        "real clock (REQUEST_EXPIRED outside); its X-Egov-Nonce is kept in the service's event "
        "store for two windows, so a replay that could still pass is REQUEST_REPLAYED",
        ge=10,
        le=3600,
    )
    simulation_control: bool = _shared(
        False,
        "SIMULATION_CONTROL",
        "serve GET/PUT /simulation/clock (read and move the simulated time forward); egov run "
        "and egov up turn it on; off = the route does not exist",
    )
    simulation_clock_file: Path | None = _shared(
        None,
        "SIMULATION_CLOCK_FILE",
        "file where the services of one topology record their simulated time (its start and "
        "every move), so that separate processes, and one restarted after a crash, agree on it; "
        "egov up sets <EGOV_DATA_DIR>/simclock.json; unset = each process's clock is its own",
    )

    @model_validator(mode="after")
    def _refuse_default_credentials(self) -> RuntimeSettings:
        if self.environment is Environment.PRODUCTION:
            for name, field in type(self).model_fields.items():
                value = getattr(self, name)
                if isinstance(value, str) and _has_default_credentials(value):
                    raise ValueError(
                        f"{env_var(type(self), name, field)} uses a well-known default user and "
                        "password, refused in production (EGOV_ENVIRONMENT=production)"
                    )
        return self


class ServiceSettings(RuntimeSettings):
    """Base of each service's settings; a subclass sets ``service``, its prefix and its port."""

    service: ClassVar[str]

    port: int = Field(ge=1, le=65535, description="HTTP port")
    event_store_url: str | None = Field(
        None,
        description="event log: sqlite:///path or postgresql://...; unset = "
        "PostgreSQL from EGOV_PG_DSN if set, else sqlite:///<EGOV_DATA_DIR>/<service>.sqlite3",
    )

    def resolved_event_store_url(self) -> str:
        """The event log this service uses, defaults applied (see ``event_store_url``)."""
        if self.event_store_url:
            return self.event_store_url
        if self.pg_dsn:
            # One server, one schema per service: each service owns its tables and nothing
            # else reads them.
            separator = "&" if "?" in self.pg_dsn else "?"
            return f"{self.pg_dsn}{separator}schema={self.service}"
        return f"sqlite:///{self.data_dir / f'{self.service}.sqlite3'}"


def password_from_file(settings: RuntimeSettings, field: str = "key_password") -> None:
    """Fill ``settings.<field>`` from ``<field>_file`` (the file a container secret or ``egov
    provision`` writes, so the password itself is in no environment); both set is an error.
    Call from an ``after`` model validator of a settings class that has both fields."""
    cls = type(settings)
    path = getattr(settings, f"{field}_file")
    if path is None:
        return
    variable, file_variable = env_var(cls, field), env_var(cls, f"{field}_file")
    if getattr(settings, field) is not None:
        raise ValueError(f"set {variable} or {file_variable}, not both")
    try:
        text = Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ValueError(f"{file_variable}: cannot read {path}: {exc.strerror}") from None
    if not text:
        raise ValueError(f"{file_variable}: {path} is empty")
    # The settings are frozen for everyone else; this runs inside their validation.
    object.__setattr__(settings, field, SecretStr(text))


def _has_default_credentials(value: str) -> bool:
    if "://" not in value:
        return False
    parts = urlsplit(value)
    if parts.username is None:
        return False
    return (unquote(parts.username), unquote(parts.password or "")) in DEFAULT_CREDENTIALS


S = TypeVar("S", bound=RuntimeSettings)


def load_settings(cls: type[S], **overrides: Any) -> S:
    """Build ``cls`` from the environment (``overrides`` win); a bad value raises
    :class:`SettingsError` naming the variable and what is wrong with it."""
    try:
        return cls(**overrides)
    except ValidationError as exc:
        by_variable = {env_var(cls, name, f).upper(): name for name, f in cls.model_fields.items()}
        problems = []
        for error in exc.errors():
            key = str(error["loc"][0]) if error["loc"] else ""
            # The location is the field name, or the variable itself for the aliased fields.
            name = key if key in cls.model_fields else by_variable.get(key.upper())
            if name is None:
                problems.append(f"{cls.__name__}: {error['msg']}")
                continue
            shown = f"={error['input']!r}" if "input" in error else ""
            problems.append(f"{env_var(cls, name)}{shown}: {error['msg']}")
        raise SettingsError("invalid settings: " + "; ".join(problems)) from None


def env_var(cls: type[BaseSettings], name: str, field: FieldInfo | None = None) -> str:
    """The environment variable that sets field ``name`` of ``cls``."""
    field = field if field is not None else cls.model_fields[name]
    alias = field.validation_alias
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    if isinstance(alias, str):
        return alias
    return f"{cls.model_config.get('env_prefix', '')}{name}".upper()


def settings_rows(classes: list[type[RuntimeSettings]]) -> list[tuple[str, str, str]]:
    """(variable, default, description) of every setting of ``classes``, each variable once."""
    rows: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for cls in classes:
        for name, field in cls.model_fields.items():
            var = env_var(cls, name, field)
            if var in seen:
                continue
            seen.add(var)
            rows.append((var, _shown_default(field.default), field.description or ""))
    return rows


def _shown_default(value: object) -> str:
    if value is None:
        return "(unset)"
    if isinstance(value, Path) and not value.is_absolute():
        return f"./{value}"  # Path("./var") prints as "var"; the doc shows what one would type
    return str(value)


def settings_table(classes: list[type[RuntimeSettings]]) -> str:
    """A Markdown table of :func:`settings_rows`, as docs/runtime.md shows it."""
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    for var, default, description in settings_rows(classes):
        lines.append(f"| `{var}` | `{default}` | {_markdown_text(description)} |")
    return "\n".join(lines) + "\n"


def _markdown_text(text: str) -> str:
    # "<service>" would be read as an HTML tag and vanish; "|" would end the table cell.
    return text.replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")
