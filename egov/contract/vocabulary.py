"""The status vocabulary of ``status.changed.v2``, from data: every status the regulation
definitions name (steps[].status, outcomes[].status) plus those the services decide themselves
(:data:`shared.contract.status.SERVICE_STATUSES`). A definition that renames a status changes
the published contract, and the drift test asks for ``make contract``."""

from __future__ import annotations

from regulations import definitions_dir
from shared.contract.status import SERVICE_STATUSES
from shared.regulation.catalog import Catalog


def status_vocabulary() -> list[str]:
    """The definitions' statuses in the order they first appear, then the services' own."""
    catalog = Catalog.from_directory(definitions_dir())
    seen: dict[str, None] = {}
    for code in sorted(catalog.codes()):
        for definition in catalog.versions(code):
            seen.update(dict.fromkeys(definition.statuses))
    seen.update(dict.fromkeys(SERVICE_STATUSES))
    return list(seen)
