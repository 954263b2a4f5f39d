"""Where a request goes (process 5): the definition's route says E-licensing or the regional
gateway; for the regional gateway this table names the provider's workstation. The same
system ids are in gateway_svc/rules.yaml (``systems``)."""

from __future__ import annotations

from typing import Final

from shared.regulation.model import Definition, Route

ELICENSE: Final = "elicense"
ELICENSE_SUBMIT_TYPE: Final = "request.elicense.submit.v1"  # elicense_svc/messages.py
PROVIDER_SUBMIT_TYPE: Final = "request.submitted.v1"  # provider_svc/handlers.py
HANDED_OUT_TYPE: Final = "request.handed_out.v1"  # PSC desk -> provider (004 p.7)

# (service code, region) -> provider workstation (provider_svc/domain/workstations.py).
WORKSTATIONS: Final[dict[tuple[str, str], str]] = {
    ("cultural_values_export", "almaty"): "provider.almaty.culture",
    ("minerals_absence_conclusion", "almaty"): "provider.almaty.green_economy",
    ("minerals_building_permit", "almaty"): "provider.almaty.green_economy",
    ("archive_reference", "astana"): "provider.astana.archives",
}


class NoRoute(LookupError):
    pass


def recipient(definition: Definition) -> str:
    if definition.route is Route.ELICENSING:
        return ELICENSE
    key = (definition.code, definition.provider.region)
    try:
        return WORKSTATIONS[key]
    except KeyError:
        raise NoRoute(f"no workstation renders {definition.key} in {key[1]}") from None


def submit_type(definition: Definition) -> str:
    return ELICENSE_SUBMIT_TYPE if definition.route is Route.ELICENSING else PROVIDER_SUBMIT_TYPE
