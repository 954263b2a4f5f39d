"""JSON Schemas of the messages on the gateway's channels, generated from the pydantic models.

Two files, each self-contained (no reference to another file), so a consumer in any language
validates with one file and no resolver:

* ``envelope.json``: any signed envelope (:class:`shared.envelope.Envelope`), what systems
  publish to ``egov.gateway.in`` and receive on ``to.<system>``.
* ``status-notification.json``: an envelope of type ``status.changed.v2`` whose body is
  :class:`shared.contract.status.StatusChanged`, what ``egov.status`` carries; its ``status``
  is one of the vocabulary read from the definitions (:mod:`egov.contract.vocabulary`).
* ``status-notification.v1.json``: the same for ``status.changed.v1``, whose body is one of the
  three older bodies, for events sent before v2.

The envelope's id and name checks are validator functions, which pydantic cannot express in
JSON Schema; their patterns are added here from the constants the validators use, so the
schema and the model check the same thing.
"""

from __future__ import annotations

import copy
from typing import Any, Final

from pydantic import TypeAdapter

from egov.contract.vocabulary import status_vocabulary
from shared import correlation
from shared.contract.status import STATUS_TYPE, STATUS_TYPE_V1, StatusBodyV1, StatusChanged
from shared.envelope import SYSTEM_ID_PATTERN, TYPE_PATTERN, Envelope

# The contract's documents say which JSON Schema dialect they use: draft-07 is the one every
# AsyncAPI 3.0 tool must understand (its default "AsyncAPI Schema" is a superset of it), and
# nothing pydantic generates for these models needs a later draft.
DIALECT: Final = "http://json-schema.org/draft-07/schema#"
ID_BASE: Final = "https://egov-sim.example/asyncapi/schemas/"
ENVELOPE_FILE: Final = "envelope.json"
STATUS_FILE: Final = "status-notification.json"
STATUS_V1_FILE: Final = "status-notification.v1.json"
# A detached JWS in compact form: BASE64URL(header) ".." BASE64URL(signature) (RFC 7515 F).
DETACHED_JWS_PATTERN: Final = r"^[A-Za-z0-9_-]+\.\.[A-Za-z0-9_-]+$"

_SYSTEM_ID: Final = {"pattern": SYSTEM_ID_PATTERN, "maxLength": 128}
_ID: Final = {"pattern": correlation.PATTERN, "maxLength": correlation.MAX_LENGTH}
_ENVELOPE_FIELDS: Final[dict[str, dict[str, Any]]] = {
    "message_id": {"description": "unique id of this message; receivers deduplicate on it"},
    "correlation_id": {
        **_ID,
        "description": "the request's id, the same across its whole journey",
    },
    "causation_id": {"description": "the message this one answers or follows from"},
    "type": {
        "pattern": TYPE_PATTERN,
        "description": "dotted lower-case name and version, e.g. 'status.changed.v2'",
    },
    "sender": {**_SYSTEM_ID, "description": "system id of the signer, e.g. 'elicense'"},
    "recipient": {**_SYSTEM_ID, "description": "system id of the addressee"},
    "service_code": {"description": "the state service's code in the catalog"},
    "sent_at": {"description": "when the sender signed it, UTC"},
    "body": {"description": "the message's content; its shape depends on type"},
    "signature": {
        "description": "detached JWS (ES256 or RS256) over the RFC 8785 canonical JSON of the "
        "envelope without 'signature', with the signer's chain in the header's x5c"
    },
}


def _strip_titles(node: Any) -> Any:
    """Drop pydantic's generated ``title`` of every property ("Message Id"): noise in a
    published contract. Model titles (the keys of ``definitions``) stay."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                out[key] = {
                    name: _strip_titles({k: v for k, v in prop.items() if k != "title"})
                    for name, prop in value.items()
                }
            else:
                out[key] = _strip_titles(value)
        return out
    if isinstance(node, list):
        return [_strip_titles(item) for item in node]
    return node


def _draft7_refs(node: Any) -> Any:
    """pydantic names its definitions ``$defs`` (2019-09 and later); draft-07 calls them
    ``definitions``."""
    if isinstance(node, dict):
        return {
            ("definitions" if key == "$defs" else key): (
                value.replace("#/$defs/", "#/definitions/")
                if key == "$ref" and isinstance(value, str)
                else _draft7_refs(value)
            )
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_draft7_refs(item) for item in node]
    return node


def _add_field_constraints(schema: dict[str, Any]) -> None:
    for name, extra in _ENVELOPE_FIELDS.items():
        prop = schema["properties"][name]
        # Optional fields are anyOf [X, null]: the constraints belong to the X branch.
        target = next((b for b in prop.get("anyOf", []) if b.get("type") == "string"), prop)
        for key, value in extra.items():
            (prop if key == "description" else target)[key] = value
    sig = schema["properties"]["signature"]
    next(b for b in sig["anyOf"] if b.get("type") == "string")["pattern"] = DETACHED_JWS_PATTERN


def envelope_schema() -> dict[str, Any]:
    schema = _strip_titles(Envelope.model_json_schema(mode="validation"))
    schema.pop("$defs", None)  # JsonValue: {} (any JSON); inlined below
    schema["properties"]["body"]["additionalProperties"] = True
    _add_field_constraints(schema)
    return {
        "$schema": DIALECT,
        "$id": ID_BASE + ENVELOPE_FILE,
        "title": "Envelope",
        "description": "A signed message between two systems, as it travels through the "
        "gateway (shared.envelope.Envelope).",
        **{k: v for k, v in schema.items() if k not in ("title", "description")},
    }


def _status_notification(type_: str, file: str, body: dict[str, Any], about: str) -> dict[str, Any]:
    envelope = envelope_schema()
    properties = copy.deepcopy(envelope["properties"])
    properties["type"] = {"const": type_, "description": properties["type"]["description"]}
    # The gateway routes a notification by <service_code>.<status>: both are required words.
    properties["service_code"] = {
        "type": "string",
        "pattern": r"^[A-Za-z0-9_-]{1,64}$",
        "description": properties["service_code"]["description"],
    }
    definitions = body.pop("definitions")
    properties["body"] = {"description": about, **body}
    properties["signature"] = {
        "type": "string",
        "pattern": DETACHED_JWS_PATTERN,
        "description": properties["signature"]["description"],
    }
    required = sorted({*envelope["required"], "service_code", "signature"})
    return {
        "$schema": DIALECT,
        "$id": ID_BASE + file,
        "title": "StatusNotification",
        "description": f"A signed {type_} envelope, as published on egov.status: the "
        "bytes the sender signed, unchanged by the gateway.",
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
        "required": [name for name in properties if name in required],
        "definitions": definitions,
    }


def status_notification_schema() -> dict[str, Any]:
    """``status.changed.v2``: the body is a StatusChanged, its status one of the vocabulary."""
    schema: dict[str, Any] = _draft7_refs(
        _strip_titles(TypeAdapter(StatusChanged).json_schema(mode="validation"))
    )
    schema["properties"]["status"]["enum"] = status_vocabulary()
    body = {
        "definitions": schema.pop("$defs", schema.pop("definitions", {})),
        **{k: v for k, v in schema.items() if k not in ("title", "description")},
    }
    return _status_notification(
        STATUS_TYPE,
        STATUS_FILE,
        body,
        "StatusChanged: one shape from a provider workstation and from E-licensing",
    )


def status_notification_v1_schema() -> dict[str, Any]:
    """``status.changed.v1``, as it was published: one of three bodies."""
    schema: dict[str, Any] = _draft7_refs(
        _strip_titles(TypeAdapter(StatusBodyV1).json_schema(mode="validation"))
    )
    return _status_notification(
        STATUS_TYPE_V1,
        STATUS_V1_FILE,
        {"definitions": schema.pop("definitions"), "anyOf": schema.pop("anyOf")},
        "one of the status bodies, told apart by their fields (WorkstationStatus from a "
        "provider workstation, ElicenseStatus and PermitStatus from E-licensing)",
    )


def all_schemas() -> dict[str, dict[str, Any]]:
    """File name -> schema, in the order the files are written."""
    return {
        ENVELOPE_FILE: envelope_schema(),
        STATUS_FILE: status_notification_schema(),
        STATUS_V1_FILE: status_notification_v1_schema(),
    }
