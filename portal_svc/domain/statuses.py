"""Every status name the portal shows or records, in one place (ARCHITECTURE.md, statuses
contract). Statuses reported by E-licensing or a provider workstation (``registered``,
``in_progress``, step names, ``completed``, ``refused``...) are shown as they arrive."""

from __future__ import annotations

from typing import Final

DRAFT: Final = "draft"  # created, being filled; nothing has left the portal
REJECTED_SIGNATURE: Final = "rejected_signature"  # condition 2 refused the last signing attempt
SUBMITTED: Final = "submitted"  # RequestSubmitted recorded, envelope in the outbox
COMPLETED: Final = "completed"
REFUSED: Final = "refused"
HANDED_OUT: Final = "handed_out"  # PSC desk: the result was handed out in person or by e-mail

# A request in one of these can still be changed and signed; anything else has left the portal.
EDITABLE: Final = frozenset({DRAFT, REJECTED_SIGNATURE})
# The survey (003 appendix 3) is offered once the service is over.
FINISHED: Final = frozenset({COMPLETED, REFUSED, HANDED_OUT})
