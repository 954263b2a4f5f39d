"""Event type names of the portal's log, and its stream ids. Every event's metadata names
the actor (``actor``: an account id, ``operator:<desk>:<IIN>`` or a system id)."""

from __future__ import annotations

from typing import Final

# Accounts (stream ``account-<account id>``; refusals for unknown ids go to ``auth-unknown``).
APPLICANT_REGISTERED: Final = "ApplicantRegistered.v1"
SESSION_OPENED: Final = "SessionOpened.v1"
SESSION_CLOSED: Final = "SessionClosed.v1"
AUTHORIZATION_REFUSED: Final = "AuthorizationRefused.v1"
ACCOUNT_LOCKED: Final = "AccountLocked.v1"
CHALLENGE_ISSUED: Final = "ChallengeIssued.v1"  # stream ``challenge-<nonce>``
CHALLENGE_USED: Final = "ChallengeUsed.v1"

# Requests (stream ``request-<request id>``).
DRAFT_CREATED: Final = "DraftCreated.v1"
FORM_FILLED: Final = "FormFilled.v1"
DOCUMENT_ATTACHED: Final = "DocumentAttached.v1"
SUBMISSION_REFUSED: Final = "SubmissionRefused.v1"
REQUEST_SUBMITTED: Final = "RequestSubmitted.v1"
STATUS_CHANGED: Final = "StatusChanged.v1"
RESULT_RECEIVED: Final = "ResultReceived.v1"
SURVEY_ANSWERED: Final = "SurveyAnswered.v1"
RESULT_HANDED_OUT: Final = "ResultHandedOut.v1"
EMAIL_QUEUED: Final = "EmailQueued.v1"

UNKNOWN_ACCOUNTS_STREAM: Final = "auth-unknown"


def account_stream(account_id: str) -> str:
    return f"account-{account_id}"


def challenge_stream(nonce: str) -> str:
    return f"challenge-{nonce}"


def request_stream(request_id: str) -> str:
    return f"request-{request_id}"
