"""The submission the portal sends E-licensing lets E-licensing check the applicant's signature
again (it trusts no queue): rebuilt from the body as E-licensing rebuilds it, the bytes are the
ones the applicant signed at the portal (shared.contract.application), for an individual and for
a legal entity's head, and the signature in it is the applicant's."""

from __future__ import annotations

import pytest

from elicense_svc.messages import PortalSubmission
from tests.portal.conftest import ALMATY_2014, ORG_BIN, World, iin


@pytest.mark.parametrize("start", [ALMATY_2014])
@pytest.mark.parametrize("entity", [False, True])
async def test_elicense_rebuilds_exactly_what_the_applicant_signed(
    world: World, entity: bool
) -> None:
    keys = world.org_signer(27) if entity else world.person(28)
    headers = await world.signed_in(keys, bin_=ORG_BIN if entity else None)
    service = "restoration_approval" if entity else "cultural_values_export"
    request_id = await world.draft(headers, service, {}, ("standard_p9_documents",))
    served = await world.client.get(f"/requests/{request_id}/signing-payload", headers=headers)
    signed_bytes = served.json()["payload"].encode()
    assert (await world.sign(headers, request_id, keys.signing)).status_code == 200
    await world.portal.relay.relay_once()
    [envelope] = world.envelopes()

    submission = PortalSubmission.model_validate(envelope["body"])
    assert submission.signed_bytes() == signed_bytes
    assert submission.version == "almaty-2014"
    expected_iin = iin(27) if entity else iin(28)
    assert submission.applicant_iin == expected_iin
    assert submission.applicant_signature is not None
    checked = world.portal.service.verifier.verify(
        signed_bytes,
        submission.applicant_signature,
        expected_iin=expected_iin,
        expected_bin=ORG_BIN if entity else None,
    )
    assert checked.ok, checked
