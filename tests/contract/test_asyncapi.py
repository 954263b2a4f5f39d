"""The AsyncAPI document is valid AsyncAPI 3.0 (the official JSON Schema, vendored), its local
references resolve, its payload files are valid draft-07 schemas, and what it names is what the
code uses."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from elicense_svc.domain.statuses import Status as ElicenseStatusName
from gateway_svc import topology
from gateway_svc.rules import DEFAULT_RULES, parse_rules
from provider_svc.domain.statuses import ALL_STATUSES as PROVIDER_STATUSES
from regulations import definitions_dir
from shared.contract import status as contract
from shared.regulation.catalog import Catalog

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "asyncapi" / "asyncapi.yaml"
VENDORED = Path(__file__).with_name("vendor") / "asyncapi-3.0.0.json"
VENDORED_SHA256 = "abe96881dbfaad495ccbb6bd8d3fb43ca18a13b9d7564849ccb66f39d5e5b20f"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    loaded = yaml.safe_load(DOC.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


@pytest.fixture(scope="module")
def asyncapi_validator() -> jsonschema.Draft7Validator:
    raw = VENDORED.read_bytes()
    assert hashlib.sha256(raw).hexdigest() == VENDORED_SHA256, "vendored schema was altered"
    return jsonschema.Draft7Validator(json.loads(raw))


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for value in node.values() for r in _refs(value)]
    if isinstance(node, list):
        return [r for item in node for r in _refs(item)]
    return []


def _pointer(document: dict[str, Any], ref: str) -> Any:
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def test_document_is_valid_asyncapi_3(
    document: dict[str, Any], asyncapi_validator: jsonschema.Draft7Validator
) -> None:
    errors = [
        f"{list(e.absolute_path)}: {e.message}" for e in asyncapi_validator.iter_errors(document)
    ]
    assert errors == []
    assert document["asyncapi"] == "3.0.0"


def test_the_official_schema_catches_a_broken_binding(
    document: dict[str, Any], asyncapi_validator: jsonschema.Draft7Validator
) -> None:
    broken = json.loads(json.dumps(document))
    broken["channels"]["status"]["bindings"]["amqp"]["exchange"]["type"] = "queue-ish"
    del broken["info"]["version"]
    messages = [e.message for e in asyncapi_validator.iter_errors(broken)]
    assert len(messages) >= 2


def test_every_reference_resolves(document: dict[str, Any]) -> None:
    for ref in _refs(document):
        if ref.startswith("#/"):
            _pointer(document, ref)  # KeyError names the missing part
        else:
            target = DOC.parent / ref
            assert target.is_file(), f"{ref} does not exist beside {DOC.name}"
            jsonschema.Draft7Validator.check_schema(json.loads(target.read_text()))


def test_channel_parameters_are_the_addresses_placeholders(document: dict[str, Any]) -> None:
    for name, channel in document["channels"].items():
        placeholders = set(re.findall(r"{([^}]+)}", channel["address"]))
        assert placeholders == set(channel.get("parameters", {})), name


def test_operations_send_and_receive_messages_of_their_channel(document: dict[str, Any]) -> None:
    for name, operation in document["operations"].items():
        channel_ref = operation["channel"]["$ref"]
        for message in operation["messages"]:
            assert message["$ref"].startswith(channel_ref + "/messages/"), name


def test_names_are_the_gateways(document: dict[str, Any]) -> None:
    rules = parse_rules(DEFAULT_RULES.read_text(encoding="utf-8"))
    channels = document["channels"].values()
    exchanges = {c["title"]: c for c in channels if c["bindings"]["amqp"]["is"] == "routingKey"}
    [queue] = [c for c in channels if c["bindings"]["amqp"]["is"] == "queue"]
    assert queue["bindings"]["amqp"]["queue"]["name"] == topology.recipient_queue("{system}")
    assert set(queue["parameters"]["system"]["enum"]) == set(rules.systems)
    assert set(exchanges) == {
        topology.STATUS_EXCHANGE,
        topology.INBOUND_EXCHANGE,
        topology.REGIONAL_EXCHANGE,
        topology.DELIVER_EXCHANGE,
    }
    for title, channel in exchanges.items():
        assert channel["bindings"]["amqp"]["exchange"]["name"] == title
    delivery = exchanges[topology.DELIVER_EXCHANGE]
    assert set(delivery["parameters"]["recipient"]["enum"]) == set(rules.systems)
    assert set(exchanges[topology.REGIONAL_EXCHANGE]["parameters"]["region"]["enum"]) == set(
        rules.regions
    )


def test_status_vocabulary_is_the_definitions_and_the_services(document: dict[str, Any]) -> None:
    # v2 takes the step statuses from the definitions (data), so a renamed status in a
    # definition is a renamed status in the published contract.
    catalog = Catalog.from_directory(definitions_dir())
    defined = {s for code in catalog.codes() for d in catalog.versions(code) for s in d.statuses}
    published = document["channels"]["status"]["parameters"]["status"]["enum"]
    assert set(published) == defined | set(contract.SERVICE_STATUSES)
    schema = json.loads((DOC.parent / "schemas" / "status-notification.json").read_text())
    assert schema["properties"]["body"]["properties"]["status"]["enum"] == published
    assert set(PROVIDER_STATUSES) - defined <= set(contract.SERVICE_STATUSES)
    elicense = {s.value for s in ElicenseStatusName}
    assert elicense - defined <= set(contract.SERVICE_STATUSES)
    assert {s for s in elicense if s.startswith("permit_")} == set(contract.PERMIT_STATUSES)
