"""Event types the provider workstation records besides the step engine's own
(``shared.regulation.engine``: RequestSubmitted, StepStarted, StepCompleted, RequestCompleted,
RequestRefused, DeadlineApproaching, StepOverdue, RequestOverdue).

Every event's metadata names who caused it (``actor``: a staff member's IIN, or a system id).
"""

from __future__ import annotations

from typing import Final

REQUEST_RECEIVED: Final = "RequestReceived.v1"  # what arrived (or was filed on paper), from whom
APPLICANT_CHECKED: Final = "ApplicantChecked.v1"  # paper channel: registry look-up's answer
GROUNDS_RECORDED: Final = "RefusalGroundsRecorded.v1"  # the grounds of a refusal, kk and ru
RESULT_SIGNED: Final = "ResultSigned.v1"  # the result document and its EDS signature
STATUS_NOTIFIED: Final = "StatusNotified.v1"  # a notification was put in the outbox
STAFF_APPOINTED: Final = "StaffAppointed.v1"
STAFF_DISMISSED: Final = "StaffDismissed.v1"


def request_stream(request_id: str) -> str:
    return f"provider-request-{request_id}"


def staff_stream(system_id: str) -> str:
    return f"provider-staff-{system_id}"


REQUEST_STREAM_PREFIX: Final = "provider-request-"
STAFF_STREAM_PREFIX: Final = "provider-staff-"
