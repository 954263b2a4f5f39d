"""Access rules and routes: a versioned YAML file, loaded at start and reloadable, deny by
default.

A message passes when its sender is a registered system, its recipient is one too, its type is
classified as REQUEST, RESPONSE or NOTIFICATION, and at least one rule names the sender, the
recipient and that kind. Sender and recipient in a rule are AMQP topic patterns over system ids
(``provider.*.*``, ``provider.almaty.#``), matched with the bus's own matcher.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    ValidationError,
    model_validator,
)

from gateway_svc.errors import ErrorCode, Rejected
from shared.bus.topic import check_pattern, topic_matches
from shared.envelope import SystemId
from shared.pages.languages import LANGUAGES, Language

DEFAULT_RULES = Path(__file__).with_name("rules.yaml")
PROVIDER_PREFIX = "provider"


class Kind(StrEnum):
    """ШЭП's asynchronous message kinds."""

    REQUEST = "REQUEST"
    RESPONSE = "RESPONSE"
    NOTIFICATION = "NOTIFICATION"


def _pattern(value: str) -> str:
    check_pattern(value)
    return value


Pattern = Annotated[str, AfterValidator(_pattern)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Words(_Model):
    """A text people read on the console, in each language the pages speak: all three, so
    that no page shows it in another language than the reader's."""

    kk: str = Field(min_length=1)
    ru: str = Field(min_length=1)
    en: str = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _every_language(cls, value: Any) -> Any:
        wanted = ", ".join(LANGUAGES)
        if not isinstance(value, dict):
            raise ValueError(f"give the text in each of {wanted}: {{kk: ..., ru: ..., en: ...}}")
        missing = [language for language in LANGUAGES if language not in value]
        if missing:
            raise ValueError(f"no {', '.join(missing)} text: give it in each of {wanted}")
        return value

    def in_language(self, language: Language) -> str:
        text: str = getattr(self, language)
        return text


class SystemEntry(_Model):
    description: Words | None = None


class Rule(_Model):
    sender: Pattern
    recipient: Pattern
    kinds: tuple[Kind, ...] = Field(min_length=1)


PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


class Answer(StrEnum):
    """What the provider answers: a signed envelope (checked, then returned unchanged), a
    plain JSON record (a registry row; passed on with its 200 or 404), or an opaque document of
    ``answer_type`` signed inside by its issuer (an OCSP response, a CRL; passed on unchanged)."""

    ENVELOPE = "envelope"
    RECORD = "record"
    BINARY = "binary"


JSON_TYPE = "application/json"


def _http_url(value: str) -> str:
    # Placeholders ({iin}) are filled per call, so validate the URL with them replaced.
    HttpUrl(PLACEHOLDER.sub("x", value))
    return value


class SyncService(_Model):
    """A synchronous service reached through ``POST /sync/{service_id}``. With ``method: GET``
    the URL's placeholders (``{iin}``) are filled from the request body's fields."""

    provider: SystemId
    url: Annotated[str, AfterValidator(_http_url)]
    method: Literal["GET", "POST"] = "POST"
    answer: Answer = Answer.ENVELOPE
    timeout_s: float = Field(5.0, gt=0, le=120)
    clients: tuple[Pattern, ...] = Field(min_length=1)
    # The request body's media type. Anything but JSON is forwarded as opaque bytes (a DER OCSP
    # request), so it can fill no placeholder and cannot be a signed envelope.
    request_type: str = Field(JSON_TYPE, pattern=r"^[a-z]+/[a-z0-9.+-]+$")
    # The media type a ``binary`` answer must carry, checked before it is passed on.
    answer_type: str | None = Field(None, pattern=r"^[a-z]+/[a-z0-9.+-]+$")

    @property
    def placeholders(self) -> list[str]:
        return PLACEHOLDER.findall(self.url)

    @property
    def opaque_body(self) -> bool:
        return self.request_type != JSON_TYPE

    @model_validator(mode="after")
    def _body_and_answer(self) -> SyncService:
        if self.opaque_body and self.placeholders:
            raise ValueError(f"a {self.request_type} body cannot fill URL placeholders")
        if (self.answer is Answer.BINARY) != (self.answer_type is not None):
            raise ValueError("answer_type is given exactly when answer is binary")
        return self


class RulesFile(_Model):
    version: int = Field(ge=1)
    systems: dict[SystemId, SystemEntry]
    # Each region's id (the <region> of provider.<region>.<dept>) and its name.
    regions: dict[str, Words] = Field(default_factory=dict)
    kinds: dict[Kind, tuple[Pattern, ...]]
    rules: tuple[Rule, ...] = ()
    sync_services: dict[str, SyncService] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> RulesFile:
        for system in self.systems:
            words = system.split(".")
            if words[0] == PROVIDER_PREFIX:
                # The regional tier is chosen from the id: provider.<region>.<department>.
                if len(words) != 3:
                    raise ValueError(
                        f"system {system!r}: provider ids are provider.<region>.<department>"
                    )
                if words[1] not in self.regions:
                    raise ValueError(f"system {system!r}: region {words[1]!r} is not in regions")
        for name, service in self.sync_services.items():
            if service.provider not in self.systems:
                raise ValueError(f"sync service {name!r}: provider {service.provider!r} unknown")
        return self


class RulesError(ValueError):
    """The rules file cannot be read or does not validate; the message says where."""


def parse_rules(text: str, *, source: str = "<rules>") -> RulesFile:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RulesError(f"{source}: not YAML: {exc}") from exc
    try:
        return RulesFile.model_validate(raw)
    except ValidationError as exc:
        raise RulesError(f"{source}: {exc}") from exc


@dataclass(frozen=True)
class Route:
    """Where an admitted message goes: straight to the recipient, or through the regional
    gateway of ``region``."""

    kind: Kind
    region: str | None


class AccessRules:
    """One loaded version of the rules; pure, so a reload swaps the whole object."""

    def __init__(self, rules: RulesFile) -> None:
        self.file = rules

    @property
    def version(self) -> int:
        return self.file.version

    def kind_of(self, message_type: str) -> Kind | None:
        for kind, patterns in self.file.kinds.items():
            if any(topic_matches(p, message_type) for p in patterns):
                return kind
        return None

    def is_member(self, system: str) -> bool:
        return system in self.file.systems

    def route(self, sender: str, recipient: str, message_type: str) -> Route:
        """The route for a message, or :class:`Rejected` naming the first rule it breaks."""
        if not self.is_member(sender):
            raise Rejected(ErrorCode.UNKNOWN_SENDER, f"{sender!r} is not a registered system")
        if not self.is_member(recipient):
            raise Rejected(ErrorCode.UNKNOWN_RECIPIENT, f"{recipient!r} is not a registered system")
        kind = self.kind_of(message_type)
        if kind is None:
            raise Rejected(
                ErrorCode.UNKNOWN_MESSAGE_TYPE,
                f"message type {message_type!r} is not a REQUEST, RESPONSE or NOTIFICATION type",
            )
        allowed = any(
            kind in rule.kinds
            and topic_matches(rule.sender, sender)
            and topic_matches(rule.recipient, recipient)
            for rule in self.file.rules
        )
        if not allowed:
            raise Rejected(
                ErrorCode.ROUTE_DENIED,
                f"no rule (version {self.version}) lets {sender} send a {kind} to {recipient}",
            )
        return Route(kind, region_of(recipient))

    def sync_service(self, service_id: str, client: str) -> SyncService:
        service = self.file.sync_services.get(service_id)
        if service is None:
            raise Rejected(ErrorCode.UNKNOWN_SERVICE, f"no sync service {service_id!r}")
        if not self.is_member(client):
            raise Rejected(ErrorCode.UNKNOWN_SENDER, f"{client!r} is not a registered system")
        if not any(topic_matches(p, client) for p in service.clients):
            raise Rejected(
                ErrorCode.ROUTE_DENIED,
                f"{client} may not call {service_id} (rules version {self.version})",
            )
        return service


def region_of(system: str) -> str | None:
    words = system.split(".")
    return words[1] if words[0] == PROVIDER_PREFIX and len(words) == 3 else None


class RuleBook:
    """The current rules, read from ``path``; :meth:`reload` swaps them only when the new file
    validates, so a broken edit never leaves the gateway without rules (or with none = open)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._current = AccessRules(parse_rules(path.read_text("utf-8"), source=str(path)))

    @property
    def current(self) -> AccessRules:
        return self._current

    async def reload(self) -> AccessRules:
        text = await asyncio.to_thread(self.path.read_text, "utf-8")
        self._current = AccessRules(parse_rules(text, source=str(self.path)))
        return self._current
