"""The signer's answers to NCALayer's requests, in process: what each method returns, which keys
a request may use, and how a refusal is answered (as NCALayer answers a user's Cancel)."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from egov.signer.choosers import Unattended
from egov.signer.keys import KeyFolder
from egov.signer.protocol import Protocol
from shared.clock import SimulatedClock
from shared.logging import configure_logging
from shared.pki.ca import issue_certificate
from shared.pki.cms import cms_pem
from shared.pki.pkcs12 import dump_pkcs12
from shared.pki.profiles import KeyPurpose
from shared.private_files import write_private
from shared.signing import VerificationCode
from tests.pki.conftest import ALICE, URLS
from tests.signer.conftest import HEAD, PASSWORD, Keys

DATA = b"%PDF-1.4 the request to sign\r\n\x00\xff"
SIGN_ANY = ["1.3.6.1.5.5.7.3.4"]
SIGN_PERSON = ["1.3.6.1.5.5.7.3.4", "1.2.398.3.3.4.1.1"]
SIGN_HEAD = ["1.3.6.1.5.5.7.3.4", "1.2.398.3.3.4.1.2.1"]
AUTH_ANY = ["1.3.6.1.5.5.7.3.2"]
DETACHED = {"decode": True, "encapsulate": False, "digested": False, "tsaProfile": {}}
CANCELED = {"status": True, "body": {}}


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def basics(data: Any, *, params: Any = DETACHED, oids: list[str] = SIGN_ANY, **args: Any) -> str:
    request = {
        "module": "kz.gov.pki.knca.basics",
        "method": "sign",
        "args": {
            "allowedStorages": None,
            "format": "cms",
            "data": data,
            "signingParams": params,
            "signerParams": {"extKeyUsageOids": oids},
            "locale": "ru",
            **args,
        },
    }
    return json.dumps(request)


def utils(method: str, *args: Any) -> str:
    return json.dumps(
        {"module": "kz.gov.pki.knca.commonUtils", "method": method, "args": list(args)}
    )


def protocol(keys: Keys, key: str | None = "alice-sign.p12", **options: Any) -> Protocol:
    password = options.pop("password", PASSWORD)
    return Protocol(Unattended(KeyFolder(keys.folder), key, password, **options))


async def test_basics_sign_detached_cms_verifies_over_the_data(keys: Keys) -> None:
    reply = await protocol(keys).answer(basics(b64(DATA)), "https://portal.test")
    assert reply["status"] is True
    pem = reply["body"]["result"]
    assert pem.startswith("-----BEGIN CMS-----\n")
    result = keys.verifier.verify_document(DATA, pem, expected_iin=ALICE.iin)
    assert result.code is VerificationCode.OK, result.detail
    assert result.identity is not None
    assert result.identity.serial == format(keys.certificates["alice-sign.p12"].serial_number, "x")


async def test_several_documents_get_one_signature_each(keys: Keys) -> None:
    documents = [DATA, b"second", b""]
    reply = await protocol(keys).answer(basics([b64(d) for d in documents]))
    signatures = reply["body"]["result"]
    assert len(signatures) == 3
    for document, pem in zip(documents, signatures, strict=True):
        assert keys.verifier.verify_document(document, pem).ok


async def test_attached_digested_and_text_signing(keys: Keys) -> None:
    signer = protocol(keys)
    attached = await signer.answer(basics(b64(DATA), params={**DETACHED, "encapsulate": True}))
    assert keys.verifier.verify_document(DATA, attached["body"]["result"]).ok
    default = await signer.answer(basics(b64(DATA), params={}))  # NCALayer's default: attached
    assert keys.verifier.verify_document(DATA, default["body"]["result"]).ok
    digest = b64(hashlib.sha256(DATA).digest())
    over_hash = await signer.answer(basics(digest, params={**DETACHED, "digested": True}))
    assert keys.verifier.verify_document(DATA, over_hash["body"]["result"]).ok
    text = await signer.answer(basics("Мен келісемін", params={**DETACHED, "decode": False}))
    assert keys.verifier.verify_document("Мен келісемін".encode(), text["body"]["result"]).ok


async def test_a_key_is_used_only_if_it_has_every_oid_asked_for(keys: Keys) -> None:
    person = await protocol(keys).answer(basics(b64(DATA), oids=SIGN_PERSON))
    assert "result" in person["body"]
    # The page asks for a legal entity's head; Alice's own key is no such key: canceled.
    assert await protocol(keys).answer(basics(b64(DATA), oids=SIGN_HEAD)) == CANCELED
    head = await protocol(keys, "head-sign").answer(basics(b64(DATA), oids=SIGN_HEAD))
    result = keys.verifier.verify_document(DATA, head["body"]["result"], expected_bin=HEAD.bin)
    assert result.ok, result.detail
    # An authentication key is not offered for signing, nor a signing key for authentication.
    assert await protocol(keys, "alice-auth.p12").answer(basics(b64(DATA))) == CANCELED
    assert await protocol(keys).answer(basics(b64(DATA), oids=AUTH_ANY)) == CANCELED
    auth = await protocol(keys, "alice-auth.p12").answer(basics(b64(DATA), oids=AUTH_ANY))
    assert "result" in auth["body"]


async def test_a_key_is_chosen_by_its_certificate_serial(keys: Keys) -> None:
    serial = format(keys.certificates["head-sign.p12"].serial_number, "x")
    reply = await protocol(keys, serial).answer(basics(b64(DATA)))
    result = keys.verifier.verify_document(DATA, reply["body"]["result"])
    assert result.identity is not None
    assert result.identity.bin == HEAD.bin


@pytest.mark.parametrize(
    "options",
    [
        {"cancel": True},
        {"password": "not the password"},
        {"key": "nobody.p12"},
    ],
    ids=["canceled", "wrong-password", "no-such-key"],
)
async def test_refusals_are_answered_as_a_cancel(keys: Keys, options: dict[str, Any]) -> None:
    key = options.pop("key", "alice-sign.p12")
    signer = protocol(keys, key, **options)
    assert await signer.answer(basics(b64(DATA))) == CANCELED
    common = await signer.answer(
        utils("createCAdESFromBase64", "PKCS12", "SIGNATURE", b64(DATA), False)
    )
    assert common == {"code": "500", "message": "action.canceled"}


@pytest.mark.parametrize(
    ("request_text", "code"),
    [
        (basics(b64(DATA), format="xml"), "UNSUPPORTED_FORMAT"),
        (basics(b64(DATA), allowedStorages=["AKKaztokenStore"]), "UNSUPPORTED_STORAGE"),
        (basics("not base64!"), "BAD_REQUEST"),
        (basics([]), "BAD_REQUEST"),
        (basics(b64(b"short"), params={**DETACHED, "digested": True}), "BAD_REQUEST"),
        (basics(b64(DATA), params={"encapsulate": "yes"}), "BAD_REQUEST"),
    ],
)
async def test_basics_errors(keys: Keys, request_text: str, code: str) -> None:
    reply = await protocol(keys).answer(request_text)
    assert reply["status"] is False
    assert reply["code"] == code
    assert reply["message"]


async def test_kaztoken_probe_and_strangers_get_an_error(keys: Keys) -> None:
    probe = json.dumps({"module": "kz.digiflow.mobile.extensions", "method": "getVersion"})
    reply = await protocol(keys).answer(probe)
    assert reply["code"] == "500"  # not "200" and no "status": the client knows it is not KAZTOKEN
    assert (await protocol(keys).answer("not json"))["code"] == "500"
    assert (await protocol(keys).answer("[1, 2]"))["code"] == "500"
    unknown = await protocol(keys).answer(
        json.dumps({"module": "kz.gov.pki.knca.basics", "method": "x"})
    )
    assert unknown["status"] is False


async def test_common_utils_methods(keys: Keys) -> None:
    signer = protocol(keys)
    assert await signer.answer(utils("getActiveTokens")) == {"code": "200", "responseObject": []}
    assert await signer.answer(utils("changeLocale", "kk")) == {"code": "200"}
    info = await signer.answer(utils("getKeyInfo", "PKCS12"))
    assert info["code"] == "200"
    certificate = x509.load_pem_x509_certificate(info["responseObject"]["pem"].encode())
    assert certificate == keys.certificates["alice-sign.p12"]
    assert info["responseObject"]["subjectCn"] == "СЕЙТҚАЛИЕВА АЙГЕРІМ"
    for method, attach in (
        ("createCAdESFromBase64", False),
        ("createCMSSignatureFromBase64", True),
    ):
        reply = await signer.answer(utils(method, "PKCS12", "SIGNATURE", b64(DATA), attach))
        assert reply["code"] == "200", reply
        der = base64.b64decode(reply["responseObject"])  # base64 DER, not PEM
        assert keys.verifier.verify_document(DATA, cms_pem(der)).ok
    digest = b64(hashlib.sha256(DATA).digest())
    over_hash = await signer.answer(
        utils("createCAdESFromBase64Hash", "PKCS12", "SIGNATURE", digest)
    )
    assert keys.verifier.verify_document(DATA, over_hash["responseObject"]).ok
    # AUTHENTICATION asks for the authentication key: Alice's signing key is refused.
    auth = await signer.answer(
        utils("createCAdESFromBase64", "PKCS12", "AUTHENTICATION", b64(DATA), False)
    )
    assert auth == {"code": "500", "message": "action.canceled"}


@pytest.mark.parametrize(
    "request_text",
    [
        utils("signXml", "PKCS12", "SIGNATURE", "<a/>", "", ""),
        utils("createCAdESFromBase64", "AKKaztokenStore", "SIGNATURE", b64(DATA), False),
        utils("createCAdESFromBase64", "PKCS12", "SIGNATURE", b64(DATA), "no"),
        utils("createCAdESFromBase64Hash", "PKCS12", "SIGNATURE", b64(b"not a digest")),
        utils("createCAdESFromBase64", "PKCS12"),
        utils("noSuchMethod"),
    ],
)
async def test_common_utils_errors(keys: Keys, request_text: str) -> None:
    reply = await protocol(keys).answer(request_text)
    assert reply["code"] == "500"
    assert reply["message"] != "action.canceled"


async def test_the_log_names_requests_and_refusals_never_the_password(keys: Keys) -> None:
    stream = io.StringIO()
    configure_logging(
        service="signer", level="DEBUG", clock=SimulatedClock(datetime.now(UTC)), stream=stream
    )
    await protocol(keys).answer(basics(b64(DATA)), "https://portal.test")
    await protocol(keys, password="Wrong-" + PASSWORD).answer(basics(b64(DATA)))
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    events = [(line["event"], line.get("reason")) for line in lines]
    assert ("signer.signed", None) in events
    assert ("signer.refused", "wrong_password") in events
    assert PASSWORD not in stream.getvalue()


async def test_a_key_that_cannot_sign_is_an_error_reply(keys: Keys, tmp_path: Path) -> None:
    # A P-384 key: the simulated НУЦ's keys are P-256 or RSA, and so are the CMS made here.
    key = ec.generate_private_key(ec.SECP384R1())
    certificate = issue_certificate(
        keys.ca.issuing, ALICE, KeyPurpose.SIGNING, key.public_key(), serial=7100,
        now=datetime.now(UTC), urls=URLS,
    )  # fmt: skip
    folder = tmp_path / "p384"
    write_private(folder / "p384.p12", dump_pkcs12(key, certificate, (), password=PASSWORD))
    signer = Protocol(Unattended(KeyFolder(folder), "p384", PASSWORD))
    reply = await signer.answer(basics(b64(DATA)))
    assert (reply["status"], reply["code"]) == (False, "SIGNER_ERROR")
    assert "P-256" in reply["message"]
    common = await signer.answer(
        utils("createCAdESFromBase64", "PKCS12", "SIGNATURE", b64(DATA), False)
    )
    assert common["code"] == "500"
