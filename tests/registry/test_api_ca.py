"""The CA over HTTP: GET /crl (DER) and POST /ocsp, accepted by openssl; issuance and revocation
for a signed caller."""

from __future__ import annotations

import base64
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from registry_svc.components import RegistryComponents
from shared.pki.jws import JwsSigner
from shared.pki.pkcs12 import load_pkcs12
from shared.pki.profiles import Individual, KeyPurpose
from tests.registry.conftest import signed_headers

needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="no openssl")
PERSON = Individual("900101300126", "Оспанов", "Ерлан", "Муратович")


def openssl(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["openssl", *map(str, args)], capture_output=True, text=True, check=False, timeout=60
    )


def pem(path: Path, *certificates: x509.Certificate) -> Path:
    path.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates))
    return path


@needs_openssl
async def test_openssl_accepts_served_crl_for_good_and_revoked(
    tmp_path: Path, client: httpx.AsyncClient, components: RegistryComponents
) -> None:
    good = await components.ca.issue(PERSON, KeyPurpose.SIGNING, password="pw")
    bad = await components.ca.issue(PERSON, KeyPurpose.SIGNING, password="pw")
    await components.ca.revoke(bad.serial, x509.ReasonFlags.key_compromise)
    response = await client.get("/crl")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pkix-crl"
    (tmp_path / "crl.der").write_bytes(response.content)
    converted = openssl(
        "crl", "-inform", "DER", "-in", tmp_path / "crl.der", "-out", tmp_path / "crl.pem"
    )
    assert converted.returncode == 0, converted.stderr
    common: list[str | Path] = [
        "-crl_check",
        "-CRLfile", tmp_path / "crl.pem",
        "-CAfile", pem(tmp_path / "root.pem", components.ca.trust_anchor),
        "-untrusted", pem(tmp_path / "issuing.pem", components.ca.chain[0]),
    ]  # fmt: skip
    ok = openssl("verify", *common, pem(tmp_path / "good.pem", good.certificate))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    revoked = openssl("verify", *common, pem(tmp_path / "bad.pem", bad.certificate))
    assert revoked.returncode != 0
    assert "certificate revoked" in revoked.stdout + revoked.stderr


@needs_openssl
@pytest.mark.parametrize("revoke", [False, True])
async def test_openssl_accepts_served_ocsp_answers(
    tmp_path: Path, client: httpx.AsyncClient, components: RegistryComponents, revoke: bool
) -> None:
    issued = await components.ca.issue(PERSON, KeyPurpose.SIGNING, password="pw")
    if revoke:
        await components.ca.revoke(issued.serial, x509.ReasonFlags.superseded)
    issuer = pem(tmp_path / "issuing.pem", components.ca.chain[0])
    cert = pem(tmp_path / "leaf.pem", issued.certificate)
    made = openssl(
        "ocsp", "-issuer", issuer, "-cert", cert, "-no_nonce", "-reqout", tmp_path / "req.der"
    )
    assert made.returncode == 0, made.stderr
    response = await client.post(
        "/ocsp",
        content=(tmp_path / "req.der").read_bytes(),
        headers={"content-type": "application/ocsp-request"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/ocsp-response"
    (tmp_path / "resp.der").write_bytes(response.content)
    checked = openssl(
        "ocsp", "-respin", tmp_path / "resp.der", "-issuer", issuer, "-cert", cert, "-no_nonce",
        "-CAfile", pem(tmp_path / "root.pem", components.ca.trust_anchor),
    )  # fmt: skip
    output = checked.stdout + checked.stderr
    assert "Response verify OK" in output
    if revoke:
        assert "leaf.pem: revoked" in output
        assert "Reason: superseded" in output
    else:
        assert "leaf.pem: good" in output


async def test_ocsp_requires_its_media_type(client: httpx.AsyncClient) -> None:
    response = await client.post("/ocsp", content=b"x", headers={"content-type": "text/plain"})
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


async def test_ra_issues_and_revokes_over_http(client: httpx.AsyncClient, ra: JwsSigner) -> None:
    body = {
        "kind": "legal_entity",
        "iin": "900101300126",
        "surname": "Оспанов",
        "given_name": "Ерлан",
        "bin": "050140000656",
        "organization": "Дала Жер",
        "role": "signer",
        "password": "pw",
    }
    raw = httpx.Request("POST", "http://x", json=body).content
    issued = await client.post(
        "/ca/certificates",
        content=raw,
        headers={
            "content-type": "application/json",
            **signed_headers(ra, "POST", "/ca/certificates", raw),
        },
    )
    assert issued.status_code == 201, issued.text
    out = issued.json()
    key_file = load_pkcs12(base64.b64decode(out["pkcs12_base64"]), password="pw")
    assert format(key_file.certificate.serial_number, "x") == out["serial"]

    target = f"/ca/certificates/{out['serial']}/revocation"
    revoke_raw = b'{"reason":"keyCompromise"}'
    revoked = await client.post(
        target,
        content=revoke_raw,
        headers={
            "content-type": "application/json",
            **signed_headers(ra, "POST", target, revoke_raw),
        },
    )
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["status"] == "revoked"
    assert revoked.json()["revocation_reason"] == "keyCompromise"


async def test_issuance_with_missing_holder_fields_is_422(
    client: httpx.AsyncClient, ra: JwsSigner
) -> None:
    raw = b'{"kind":"individual","iin":"900101300126","password":"pw"}'
    response = await client.post(
        "/ca/certificates",
        content=raw,
        headers={
            "content-type": "application/json",
            **signed_headers(ra, "POST", "/ca/certificates", raw),
        },
    )
    assert response.status_code == 422
    assert response.json() == {
        "code": "invalid_holder",
        "message": "an individual certificate needs surname",
    }


async def test_unknown_reason_is_refused(
    client: httpx.AsyncClient, ra: JwsSigner, components: RegistryComponents
) -> None:
    issued = await components.ca.issue(PERSON, KeyPurpose.SIGNING, password="pw")
    target = f"/ca/certificates/{issued.serial:x}/revocation"
    raw = b'{"reason":"boredom"}'
    response = await client.post(
        target,
        content=raw,
        headers={
            "content-type": "application/json",
            **signed_headers(ra, "POST", target, raw),
        },
    )
    assert response.status_code == 422
    assert "unknown revocation reason 'boredom'" in response.json()["message"]


async def test_openapi_documents_every_route(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    for path in [
        "/crl", "/crl/root", "/ocsp", "/ca/chain.pem", "/ca/issuing.crt", "/ca/root.crt",
        "/ca/certificates", "/ca/certificates/{serial}",
        "/ca/certificates/{serial}/revocation", "/persons/{iin}", "/persons",
        "/legal-entities/{bin}", "/legal-entities",
    ]:  # fmt: skip
        assert path in paths, path
    assert "application/ocsp-request" in paths["/ocsp"]["post"]["requestBody"]["content"]


async def test_ocsp_over_get_answers_like_post(
    client: httpx.AsyncClient, components: RegistryComponents
) -> None:
    from urllib.parse import quote

    from cryptography.hazmat.primitives import hashes
    from cryptography.x509 import ocsp

    issued = await components.ca.issue(PERSON, KeyPurpose.SIGNING, password="pw")
    await components.ca.revoke(issued.serial, x509.ReasonFlags.affiliation_changed)
    request = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(issued.certificate, components.ca.chain[0], hashes.SHA1())  # noqa: S303
        .build()
        .public_bytes(serialization.Encoding.DER)
    )
    encoded = quote(base64.b64encode(request).decode(), safe="")
    response = await client.get(f"/ocsp/{encoded}")
    assert response.status_code == 200
    answer = ocsp.load_der_ocsp_response(response.content)
    assert answer.certificate_status is ocsp.OCSPCertStatus.REVOKED
    assert answer.revocation_reason is x509.ReasonFlags.affiliation_changed
    garbage = ocsp.load_der_ocsp_response((await client.get("/ocsp/not-base64!")).content)
    assert garbage.response_status is ocsp.OCSPResponseStatus.MALFORMED_REQUEST
