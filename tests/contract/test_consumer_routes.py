"""Every route a consumer takes off its queue (shared.inbound, each consumer's ``ACCEPTS``) is
one the gateway's shipped rules allow (gateway_svc/rules.yaml), so a consumer's own check never
takes a message the gateway would refuse. The consumers may take less than the rules allow
(a workstation takes no request from E-licensing, which sends it none), never more."""

from __future__ import annotations

import pytest

from elicense_svc import messages as elicense_messages
from elicense_svc.entrypoints.consumer import ACCEPTS as ELICENSE
from gateway_svc.errors import Rejected
from gateway_svc.rules import DEFAULT_RULES, AccessRules, parse_rules
from portal_svc.entrypoints.consumer import ACCEPTS as PORTAL
from provider_svc.handlers import ACCEPTS as PROVIDER
from provider_svc.handlers import HANDED_OUT_TYPE, REQUEST_TYPE
from shared.contract.status import STATUS_TYPE, STATUS_TYPE_V1
from shared.inbound import Accepts

RULES = AccessRules(parse_rules(DEFAULT_RULES.read_text("utf-8"), source=str(DEFAULT_RULES)))
SYSTEMS = sorted(RULES.file.systems)

# Each consumer, the systems it receives for, and the message types it handles.
CONSUMERS: dict[str, tuple[Accepts, list[str], list[str]]] = {
    "elicense": (ELICENSE, ["elicense"], [elicense_messages.SUBMIT_TYPE]),
    "provider": (
        PROVIDER,
        [s for s in SYSTEMS if s.startswith("provider.")],
        [REQUEST_TYPE, HANDED_OUT_TYPE],
    ),
    "portal": (
        PORTAL,
        ["portal", *(s for s in SYSTEMS if s.startswith("psc."))],
        [
            STATUS_TYPE,
            STATUS_TYPE_V1,
            elicense_messages.RESULT_ISSUED_TYPE,
            elicense_messages.RESULT_REFUSED_TYPE,
        ],
    ),
}


def _allowed(sender: str, recipient: str, message_type: str) -> bool:
    try:
        RULES.route(sender, recipient, message_type)
    except Rejected:
        return False
    return True


@pytest.mark.parametrize("consumer", sorted(CONSUMERS))
def test_a_consumer_takes_only_routes_the_gateway_allows(consumer: str) -> None:
    accepts, recipients, types = CONSUMERS[consumer]
    taken = [
        (sender, recipient, message_type)
        for sender in SYSTEMS
        for recipient in recipients
        for message_type in types
        if accepts.receiving_for(recipients).takes(message_type, sender, recipient)
    ]
    assert taken, f"{consumer} takes nothing"
    assert [t for t in taken if not _allowed(*t)] == []


def test_the_consumers_take_what_the_seeds_send_them() -> None:
    # The journeys of every seed: the portal's requests to E-licensing and the workstations,
    # the desks' requests and hand-outs, and the answers back to the portal and the desks.
    assert ELICENSE.takes(elicense_messages.SUBMIT_TYPE, "portal", "elicense")
    assert PROVIDER.takes(REQUEST_TYPE, "portal", "provider.almaty.culture")
    assert PROVIDER.takes(REQUEST_TYPE, "psc.astana", "provider.astana.archives")
    assert PROVIDER.takes(HANDED_OUT_TYPE, "psc.astana", "provider.astana.archives")
    assert PORTAL.takes(STATUS_TYPE, "elicense", "portal")
    assert PORTAL.takes(STATUS_TYPE, "provider.astana.archives", "psc.astana")
    assert PORTAL.takes(elicense_messages.RESULT_ISSUED_TYPE, "provider.almaty.culture", "portal")
