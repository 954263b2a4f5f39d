"""A request's result as the applicant gets it, for the API and the pages alike: its signature
checked now (what GET /verify and the PDF say), and the PDF (003 p.8-9: the applicant saves
the result)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from portal_svc.domain import requests as req
from portal_svc.domain.texts import Language
from portal_svc.pdf import SignatureCheck, render
from shared.canonical import canonical_json
from shared.regulation.catalog import Catalog
from shared.signing import Verifier


async def check_result(verifier: Verifier, stored: Mapping[str, Any]) -> SignatureCheck:
    """The result document's signature (a JWS or a CMS) checked now."""
    document = stored.get("document")
    signature = stored.get("signature")
    if not isinstance(document, dict) or not isinstance(signature, str):
        return SignatureCheck("NO_SIGNATURE", None)
    outcome = await asyncio.to_thread(verifier.verify_document, canonical_json(document), signature)
    signer = None if outcome.identity is None else outcome.identity.subject
    return SignatureCheck(outcome.code.value, signer)


async def result_pdf(
    found: req.PortalRequest,
    *,
    verifier: Verifier,
    catalog: Catalog,
    public_url: str,
    language: Language,
) -> bytes:
    """The PDF of ``found``'s result (which it has): its fields, the signature checked now,
    the QR code of its public check, and the contact lines of the request's regulation."""
    stored = dict(found.result or {})
    return await asyncio.to_thread(
        render,
        stored,
        check=await check_result(verifier, stored),
        verify_url=f"{public_url.rstrip('/')}/verify/{stored['number']}",
        language=language,
        contacts=catalog.get(found.service, found.version).contacts,
    )
