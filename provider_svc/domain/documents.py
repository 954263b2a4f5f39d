"""Result documents: what is drafted, who signs it, and the bytes the signature covers.

The definitions say which result a request ends with and which role signs it
(``results[].signed_by_role``), but not which step is the signature; the seeds name it
"sign" (001 p.5.7, 002 p.5) and "sign_output" (004 process 7), and those are the steps that
require the signer's EDS over the draft here. A refusal decided at a review step (condition 3:
documents do not comply) is a reasoned refusal signed by whoever decided it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from provider_svc.domain.request import ProviderRequest
from shared.canonical import canonical_json
from shared.regulation.model import Definition, Outcome, ResultKind

SIGNING_STEPS: Final = frozenset({"sign", "sign_output"})


def _outcome(definition: Definition, step: str, name: str) -> Outcome | None:
    for o in definition.step(step).outcomes:
        if o.name == name:
            return o
    return None


def _followers(definition: Definition, name: str) -> list[Outcome]:
    """Terminal outcomes guarded by ``after: name`` (the drafted result decides the end)."""
    return [o for s in definition.steps for o in s.outcomes if o.terminal and o.after == name]


def needs_grounds(definition: Definition, step: str, outcome: str) -> bool:
    """Refusing directly, or drafting what will end as a refusal: the grounds (kk and ru) are
    required then (001 p.3: "дәлелді жауап", a reasoned answer)."""
    chosen = _outcome(definition, step, outcome)
    if chosen is None:
        return False
    if chosen.refusal is not None:
        # A refusal following a drafted one (``after``) reuses the grounds given at the draft.
        return chosen.after is None
    return any(o.refusal is not None for o in _followers(definition, chosen.name))


def result_of(
    definition: Definition, request: ProviderRequest, step: str, outcome: str
) -> tuple[ResultKind, str | None] | None:
    """The result document (kind, refusal code) the action ``step``/``outcome`` signs, or None
    when the action signs nothing."""
    chosen = _outcome(definition, step, outcome)
    if chosen is None:
        return None
    if chosen.terminal and chosen.result is None:
        # A refusal decided at review: a reasoned refusal, signed by the one who decides.
        return ResultKind.REASONED_REFUSAL, chosen.refusal
    if step not in SIGNING_STEPS:
        return None
    if chosen.result is not None:
        return chosen.result, chosen.refusal
    done = set(request.state.outcomes)
    for drafted in done:
        for follower in _followers(definition, drafted):
            if follower.result is not None:
                return follower.result, follower.refusal
    return None


def draft(
    definition: Definition,
    request: ProviderRequest,
    kind: ResultKind,
    refusal: str | None,
) -> dict[str, Any]:
    """The document to sign. Built only from recorded facts, so the draft a signer fetched and
    the one checked when the signature comes back are the same bytes."""
    current = request.state.current
    prepared_at = current.started_at if current is not None else request.state.submitted_at
    name = next((r.name for r in definition.results if r.kind is kind), None)
    grounds: Mapping[str, str] | None = request.grounds if refusal is not None else None
    return {
        "kind": kind.value,
        "name": None if name is None else {"kk": name.kk, "ru": name.ru},
        "request_id": request.request_id,
        "service": definition.code,
        "version": definition.version,
        "provider": {"kk": definition.provider.name.kk, "ru": definition.provider.name.ru},
        "workstation": request.origin.workstation,
        "applicant_iin": request.origin.applicant_iin,
        "decision": "refused" if refusal is not None else "issued",
        "refusal_code": refusal,
        "grounds": None if grounds is None else dict(grounds),
        "form": dict(request.origin.form),
        "prepared_at": prepared_at.isoformat(),
    }


def signing_bytes(document: Mapping[str, Any]) -> bytes:
    """RFC 8785 canonical JSON: what the signer's EDS covers."""
    return canonical_json(dict(document))
