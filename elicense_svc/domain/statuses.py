"""Every status elicense reports, in one place (ARCHITECTURE.md's statuses contract).

Step statuses (``registered``, ``in_progress``, ``under_review``, ``result_forming``,
``signing``, ``completed``, ``refused``) come from the regulation definition; the ones below are
those elicense itself decides, and the permit states of the permit registry (003 p.5.3).
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    REGISTERED = "registered"  # process 7: the request has its number
    AWAITING_REGISTRY = "awaiting_registry"  # ГБД ФЛ / ГБД ЮЛ or the gateway is unreachable
    REGISTRY_NOT_FOUND = "registry_not_found"  # process 5: "data cannot be obtained"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    REFUSED = "refused"
    OVERDUE = "overdue"  # the request's term (p.8 / appendix 1) ran out; work continues
    # Permit lifecycle notifications (003 p.5.3)
    PERMIT_REISSUED = "permit_reissued"
    PERMIT_SUSPENDED = "permit_suspended"
    PERMIT_RESUMED = "permit_resumed"
    PERMIT_TERMINATED = "permit_terminated"


class PermitState(StrEnum):
    """What public verification answers for a permit number."""

    VALID = "valid"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"
