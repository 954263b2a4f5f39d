"""The permission model (shared.bus.permissions) without a broker: its names are the ones the
services use, every system of the gateway's rules belongs to exactly one service's user, each
user may touch only what docs/security.md says, and the docs and the compose broker's
definitions say what the code says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from egov.broker import (
    ADMIN_USER,
    PASSWORD_VARIABLES,
    definitions,
    password_matches,
    resolve_admin,
    service_url,
    vhost_of,
)
from egov.provisioning import key_group
from elicense_svc import messages as elicense_messages
from gateway_svc import topology
from portal_svc import assembly as portal_assembly
from provider_svc.entrypoints import consumer as provider_consumer
from shared.bus import permissions
from shared.bus.memory import InMemoryBus
from shared.bus.permissions import SERVICES, broker_user, grants, own_grants, permission_table
from shared.pki.revocation_events import PKI_EXCHANGE, RevocationFeed

ROOT = Path(__file__).resolve().parents[2]
RULES = yaml.safe_load((ROOT / "gateway_svc" / "rules.yaml").read_text(encoding="utf-8"))
SYSTEMS = sorted(RULES["systems"])
NS = "run1."
FAMILY = ("", ".transit", ".dlq", ".retry.200", ".retry.30000")


def test_the_names_are_the_ones_the_services_use() -> None:
    assert permissions.INBOUND_EXCHANGE == topology.INBOUND_EXCHANGE
    assert permissions.REGIONAL_EXCHANGE == topology.REGIONAL_EXCHANGE
    assert permissions.DELIVER_EXCHANGE == topology.DELIVER_EXCHANGE
    assert permissions.STATUS_EXCHANGE == topology.STATUS_EXCHANGE
    assert permissions.DELIVER_EXCHANGE == portal_assembly.DELIVER_EXCHANGE
    assert permissions.DELIVER_EXCHANGE == provider_consumer.DELIVER_EXCHANGE
    default = elicense_messages.DEFAULT_TOPOLOGY
    assert (default.inbound_exchange, default.deliver_exchange) == (
        topology.INBOUND_EXCHANGE,
        topology.DELIVER_EXCHANGE,
    )
    assert default.inbox_queue == topology.recipient_queue("elicense")
    assert topology.recipient_queue("portal") == portal_assembly.PORTAL_QUEUE
    assert provider_consumer.recipient_queue("provider.x.y") == topology.recipient_queue(
        "provider.x.y"
    )
    assert set(permissions.EXCHANGES) == {
        topology.INBOUND_EXCHANGE,
        topology.REGIONAL_EXCHANGE,
        topology.DELIVER_EXCHANGE,
        topology.STATUS_EXCHANGE,
        PKI_EXCHANGE,
    }


@pytest.mark.parametrize("system", SYSTEMS)
def test_every_system_is_held_by_the_one_service_provisioning_gives_its_key(system: str) -> None:
    inbound = NS + topology.INBOUND_EXCHANGE
    holders = [s for s in SERVICES if grants(s, NS).may_publish(inbound, system)]
    assert holders == [key_group(system)]
    queue = NS + topology.recipient_queue(system)
    for service in SERVICES:
        mine = service == key_group(system)
        for suffix in FAMILY:
            name = queue + suffix
            # The gateway reads a delay queue (to declare it) and the transit exchange (to bind
            # to it), never what the recipient consumes.
            gateway_reads = service == "gateway" and suffix.startswith((".transit", ".retry"))
            assert grants(service, NS).allows("read", name) == (mine or gateway_reads), name
            # Only the owner and the gateway (which declares and binds it) configure it.
            assert grants(service, NS).allows("configure", name) == (mine or service == "gateway")


def test_only_the_gateway_writes_to_the_delivery_regional_and_status_exchanges() -> None:
    for exchange in (
        topology.DELIVER_EXCHANGE,
        topology.REGIONAL_EXCHANGE,
        topology.STATUS_EXCHANGE,
    ):
        writers = [s for s in SERVICES if grants(s, NS).allows("write", NS + exchange)]
        assert writers == ["gateway"], exchange
    readers = [s for s in SERVICES if grants(s, NS).allows("read", NS + topology.DELIVER_EXCHANGE)]
    assert readers == ["gateway"]  # binding needs read: only the gateway binds there
    inbound = NS + topology.INBOUND_EXCHANGE
    assert [s for s in SERVICES if grants(s, NS).allows("read", inbound)] == ["gateway"]
    assert [s for s in SERVICES if not grants(s, NS).allows("write", inbound)] == ["gateway"]
    assert [s for s in SERVICES if grants(s, NS).allows("write", NS + PKI_EXCHANGE)] == ["registry"]
    gateway = grants("gateway", NS)
    for name in (topology.INBOUND_QUEUE, topology.regional_queue("almaty")):
        assert gateway.allows("read", NS + name)
        assert not any(grants(s, NS).allows("read", NS + name) for s in SERVICES if s != "gateway")


def test_no_user_may_use_the_default_exchange_or_names_outside_its_namespace() -> None:
    for service in SERVICES:
        own = grants(service, NS)
        for permission in ("configure", "write", "read"):
            assert not own.allows(permission, "amq.default")  # "" is checked as amq.default
            assert not own.allows(permission, "")
            assert not own.allows(permission, "run2.to.portal")
            assert not own.allows(permission, "to.portal")
            assert not own.allows(permission, f"xrun1.to.{service}")


def test_each_process_listens_for_revocations_on_its_own_queue() -> None:
    for service in SERVICES:
        queue = NS + RevocationFeed(InMemoryBus(), lambda: None, service=service).queue
        for other in SERVICES:
            for permission in ("configure", "write", "read"):
                assert grants(other, NS).allows(permission, queue) == (other == service)
        assert grants(service, NS).allows("read", NS + PKI_EXCHANGE)
        assert grants(service, NS).topic_allows("read", NS + PKI_EXCHANGE, "pki.revoked")
        assert not grants(service, NS).topic_allows("read", NS + PKI_EXCHANGE, "#")


def test_a_bus_is_restricted_only_when_it_connects_as_the_services_own_user() -> None:
    own = "amqp://run1.portal:pw@127.0.0.1:5672/"
    assert own_grants("portal", NS, own) == grants("portal", NS)
    assert own_grants("portal", NS, "amqp://run1.portal%2E:pw@127.0.0.1:5672/") is None
    assert own_grants("portal", NS, "amqp://guest:guest@127.0.0.1:5672/") is None
    assert own_grants("gateway", NS, own) is None
    assert own_grants("portal", "", "amqp://portal:pw@rabbitmq:5672/") == grants("portal")
    assert own_grants("not-a-service", "", "amqp://portal:pw@rabbitmq:5672/") is None
    assert broker_user("provider", NS) == "run1.provider"


def test_docs_show_the_permission_table_of_the_code() -> None:
    text = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    start = "<!-- broker-permissions:start (generated by `egov broker permissions`) -->\n"
    end = "<!-- broker-permissions:end -->"
    assert start in text, "docs/security.md lost its broker table's start marker"
    assert end in text, "docs/security.md lost its broker table's end marker"
    documented = text.split(start, 1)[1].split(end, 1)[0]
    assert documented == permission_table(), (
        "docs/security.md is out of date: paste `egov broker permissions` between the markers"
    )


def test_the_compose_brokers_definitions_are_the_models_with_the_default_passwords() -> None:
    path = ROOT / "deploy" / "rabbitmq" / "definitions.json"
    written = json.loads(path.read_text(encoding="utf-8"))
    defaults = {user: default for user, (_, default) in PASSWORD_VARIABLES.items()}
    expected = definitions(defaults, written)
    assert written == expected, "run `egov broker definitions` (deploy/rabbitmq/definitions.json)"
    for user in written["users"]:
        assert password_matches(user["password_hash"], defaults[user["name"]]), user["name"]
    assert {u["name"] for u in written["users"]} == {ADMIN_USER, *SERVICES}
    # A changed password changes only that user's hash.
    changed = definitions({**defaults, "portal": "another"}, written)
    differs = [a["name"] for a, b in zip(changed["users"], written["users"], strict=True) if a != b]
    assert differs == ["portal"]


def test_the_management_api_defaults_to_the_brokers_host_and_credentials() -> None:
    url = "amqp://guest:gu%40st@10.0.0.5:5673/egov"
    assert resolve_admin(None, url) == "http://guest:gu%40st@10.0.0.5:15672/"
    assert resolve_admin("", url) == "http://guest:gu%40st@10.0.0.5:15672/"
    assert resolve_admin("none", url) is None
    assert resolve_admin(" NONE ", url) is None
    assert resolve_admin("https://a:b@mq:443/rabbit/", url) == "https://a:b@mq:443/rabbit/"
    assert vhost_of(url) == "egov"
    assert vhost_of("amqp://h:5672/") == vhost_of("amqp://h:5672") == "/"
    assert vhost_of("amqp://h/%2Fspaced") == "/spaced"
    mine = service_url(url, "run1.portal", "p/w@:x")
    assert mine == "amqp://run1.portal:p%2Fw%40%3Ax@10.0.0.5:5673/egov"
