"""Every status name the provider workstation reports, in one place (ARCHITECTURE.md contract).

The step statuses come from the regulation definitions (``steps[].status`` and
``outcomes[].status``); this module lists the ones the seeds' regional-gateway services use, so a
definition that introduced a new one would show up as an unknown status in the tests.
"""

from __future__ import annotations

from typing import Final

REGISTERED: Final = "registered"  # received / registered by the office (004 table: түскен)
IN_PROGRESS: Final = "in_progress"  # taken into work (іске алынған)
UNDER_REVIEW: Final = "under_review"  # the head or deputy reviews the documents
SIGNING: Final = "signing"  # the result is drafted and waits for the signature
RESULT_FORMING: Final = "result_forming"  # the result is being formed (қалыптастыруда)
COMPLETED: Final = "completed"  # result issued (аяқталды)
REFUSED: Final = "refused"  # reasoned refusal issued
OVERDUE: Final = "overdue"  # a step or the whole request ran past its deadline

STEP_STATUSES: Final = frozenset(
    {REGISTERED, IN_PROGRESS, UNDER_REVIEW, SIGNING, RESULT_FORMING, COMPLETED, REFUSED}
)
ALL_STATUSES: Final = STEP_STATUSES | {OVERDUE}
FINAL_STATUSES: Final = frozenset({COMPLETED, REFUSED})
