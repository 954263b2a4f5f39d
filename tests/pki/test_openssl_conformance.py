"""The simulated НУЦ as the `openssl` command sees it: certificate profiles (`openssl x509`),
OCSP answers for several certificates at once and for requests it cannot read (`openssl ocsp`
against a running registry_svc, POST and GET), and the root's and issuing CA's CRLs
(`openssl verify -crl_check_all`, `openssl crl`). openssl is an independent implementation, so
what it accepts is what RFC 5280 / RFC 6960 relying parties accept, not just what our own code
reads back.
"""

from __future__ import annotations

import base64
import shutil
import socket
import subprocess
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import AuthorityInformationAccessOID

from egov.threaded_server import ThreadedServer
from registry_svc.bootstrap import bootstrap
from registry_svc.ca_service import CaService
from shared.clock import SystemClock
from shared.eventlog.sqlite import SqliteEventStore
from shared.pki.ca import CaUrls, issue_certificate
from shared.pki.keys import KeyAlgorithm, generate_private_key
from shared.pki.profiles import (
    SIMULATOR_OPERATOR_BIN,
    EntityRole,
    Holder,
    Individual,
    InformationSystem,
    KeyPurpose,
    LegalEntitySigner,
)
from shared.pki.revocation import Revocation, build_crl
from shared.runtime import Listener
from tests.pki.conftest import ALICE, URLS, make_ca

OPENSSL = shutil.which("openssl")
pytestmark = pytest.mark.skipif(
    OPENSSL is None,
    reason="the openssl command is not installed (Debian: apt-get install -y openssl)",
)

BOLAT = Individual(iin="850312300117", surname="Омаров", given_name="Болат")
DALA_ZHER = LegalEntitySigner(
    BOLAT, bin="050140000656", organization="Дала Жер", role=EntityRole.FIRST_HEAD
)


def openssl(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    assert OPENSSL is not None  # the module is skipped without it
    return subprocess.run(
        [OPENSSL, *map(str, args)], capture_output=True, text=True, check=False, timeout=60, cwd=cwd
    )


def write_pem(path: Path, *certificates: x509.Certificate) -> Path:
    path.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates))
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- a running registry_svc ----------------------------------------------------------------


@dataclass(frozen=True)
class LiveCa:
    """registry_svc served over HTTP on its own thread, and a second CaService on the same
    data directory and event log (as ``egov pki`` is) to issue and revoke from the test."""

    url: str
    ca: CaService
    http: httpx.AsyncClient
    work: Path
    root_pem: Path
    issuing_pem: Path
    serials: dict[Path, int] = field(default_factory=dict)

    async def issue(
        self, holder: Holder, name: str, purpose: KeyPurpose = KeyPurpose.SIGNING
    ) -> Path:
        issued = await self.ca.issue(holder, purpose, password="pw")
        pem = write_pem(self.work / f"{name}.pem", issued.certificate)
        self.serials[pem] = issued.serial
        return pem

    async def revoke(self, pem: Path, reason: x509.ReasonFlags) -> None:
        await self.ca.revoke(self.serials[pem], reason)

    async def fetch(self, path: str, name: str) -> Path:
        response = await self.http.get(f"{self.url}{path}")
        assert response.status_code == 200, response.text
        return write_bytes(self.work / name, response.content)


def write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.fixture
async def live(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[LiveCa]:
    port = free_port()
    database = tmp_path / "registry.sqlite3"
    monkeypatch.setenv("EGOV_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("EGOV_REGISTRY_PORT", str(port))
    # This test's own SQLite log, never the shared PostgreSQL schema; the in-memory bus.
    monkeypatch.setenv("EGOV_REGISTRY_EVENT_STORE_URL", f"sqlite:///{database}")
    monkeypatch.delenv("EGOV_AMQP_URL", raising=False)
    service = bootstrap()
    server = ThreadedServer(
        Listener("registry", service.app, "127.0.0.1", port, "EGOV_REGISTRY_PORT"),
        shutdown_timeout_s=5,
    )
    await server.start()  # returns once the app has started: the CA exists on disk and in the log
    url = server.listener.url
    store = SqliteEventStore(database, clock=SystemClock())
    await store.open()
    stack = AsyncExitStack()
    try:
        ca = CaService(store, SystemClock(), tmp_path / "var", urls=CaUrls.under(url))
        await ca.start()
        work = tmp_path / "work"
        work.mkdir()
        http = await stack.enter_async_context(httpx.AsyncClient(timeout=30))
        yield LiveCa(
            url=url,
            ca=ca,
            http=http,
            work=work,
            root_pem=write_pem(work / "root.pem", ca.keys.root.certificate),
            issuing_pem=write_pem(work / "issuing.pem", ca.keys.issuing.certificate),
        )
    finally:
        await stack.aclose()
        await store.close()
        await server.stop()


# --- OCSP ----------------------------------------------------------------------------------


async def test_openssl_ocsp_gets_one_answer_per_certificate_asked(live: LiveCa) -> None:
    """RFC 6960 4.1.1/4.2.1: a request may list several CertIDs; the answer has a
    SingleResponse for each. A CertID of another CA's certificate is answered ``unknown``."""
    good = await live.issue(ALICE, "good")
    revoked = await live.issue(DALA_ZHER, "revoked")
    await live.revoke(revoked, x509.ReasonFlags.key_compromise)
    stranger_ca = make_ca()
    stranger = write_pem(
        live.work / "stranger.pem",
        issue_certificate(
            stranger_ca.issuing,
            ALICE,
            KeyPurpose.SIGNING,
            generate_private_key(KeyAlgorithm.ES256).public_key(),
            serial=4242,
            now=datetime.now(UTC),
        ),
    )
    stranger_issuer = write_pem(live.work / "stranger-issuer.pem", stranger_ca.issuing.certificate)
    result = openssl(
        "ocsp", "-issuer", live.issuing_pem, "-cert", good, "-cert", revoked,
        "-url", f"{live.url}/ocsp", "-CAfile", live.root_pem, "-resp_text",
        cwd=live.work,
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert "Response verify OK" in output, output
    assert f"{good}: good" in result.stdout
    assert f"{revoked}: revoked" in result.stdout
    assert "Reason: keyCompromise" in result.stdout
    assert result.stdout.count("Cert Status:") == 2
    assert "WARNING: no nonce in response" not in output  # the nonce is echoed (RFC 8954)
    # With a certificate of another CA in the same request that one is "unknown" (RFC 6960
    # 2.2). openssl trusts an answer about several issuers only from a locally trusted
    # signer, so this one is read without verifying; the statuses are what is checked.
    mixed = openssl(
        "ocsp", "-issuer", live.issuing_pem, "-cert", good, "-cert", revoked,
        "-issuer", stranger_issuer, "-cert", stranger,
        "-url", f"{live.url}/ocsp", "-noverify", cwd=live.work,
    )  # fmt: skip
    assert f"{good}: good" in mixed.stdout, mixed.stdout + mixed.stderr
    assert f"{revoked}: revoked" in mixed.stdout
    assert f"{stranger}: unknown" in mixed.stdout


async def test_answers_are_signed_by_a_delegated_responder(live: LiveCa) -> None:
    """RFC 6960 4.2.2.2: a responder certificate issued by the CA, with id-kp-OCSPSigning and
    id-pkix-ocsp-nocheck, signs the answers and travels in ``certs``."""
    good = await live.issue(ALICE, "good")
    result = openssl(
        "ocsp", "-issuer", live.issuing_pem, "-cert", good, "-url", f"{live.url}/ocsp",
        "-CAfile", live.root_pem, "-resp_text", "-respout", "answer.der",
        cwd=live.work,
    )  # fmt: skip
    assert "Response verify OK" in result.stdout + result.stderr
    text = result.stdout
    assert "OCSP No Check" in text
    assert "OCSP Signing" in text
    # The responder is not the issuing CA itself: its subject names it as a responder, and its
    # issuer is the issuing CA.
    assert "Subject: CN=OCSP responder of Simulated NCA Issuing CA (egov-sim)" in text
    assert "Issuer: CN=Simulated NCA Issuing CA (egov-sim)" in text
    # Its chain checks out with openssl's own path validation, to the root.
    responder = live.work / "responder.pem"
    certificates = openssl(
        "ocsp", "-respin", "answer.der", "-noverify", "-resp_text", cwd=live.work
    ).stdout
    begin = certificates.index("-----BEGIN CERTIFICATE-----")
    end = certificates.index("-----END CERTIFICATE-----") + len("-----END CERTIFICATE-----")
    responder.write_text(certificates[begin:end] + "\n")
    chain = openssl(
        "verify", "-CAfile", live.root_pem, "-untrusted", live.issuing_pem,
        "-purpose", "ocsphelper", responder, cwd=live.work,
    )  # fmt: skip
    assert chain.returncode == 0, chain.stdout + chain.stderr


async def test_ocsp_over_get_answers_every_certificate(live: LiveCa) -> None:
    """RFC 6960 A.1: the base64 DER request in the path answers like the POST."""
    first = await live.issue(ALICE, "first")
    second = await live.issue(InformationSystem("gateway"), "second")
    await live.revoke(second, x509.ReasonFlags.superseded)
    made = openssl(
        "ocsp", "-issuer", live.issuing_pem, "-cert", first, "-cert", second,
        "-no_nonce", "-reqout", "request.der", cwd=live.work,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    encoded = base64.b64encode((live.work / "request.der").read_bytes()).decode()
    response = await live.http.get(f"{live.url}/ocsp/{quote(encoded, safe='')}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/ocsp-response"
    (live.work / "answer.der").write_bytes(response.content)
    checked = openssl(
        "ocsp", "-issuer", live.issuing_pem, "-cert", first, "-cert", second,
        "-no_nonce", "-respin", "answer.der", "-CAfile", live.root_pem, cwd=live.work,
    )  # fmt: skip
    assert "Response verify OK" in checked.stdout + checked.stderr
    assert f"{first}: good" in checked.stdout
    assert f"{second}: revoked" in checked.stdout
    assert "Reason: superseded" in checked.stdout


async def test_unreadable_requests_get_malformed_request_not_an_error_page(live: LiveCa) -> None:
    """RFC 6960 2.3: a request the responder cannot parse is answered with an OCSPResponse
    whose status is malformedRequest and which has no body, over HTTP 200 (A.1)."""
    good = await live.issue(ALICE, "good")
    openssl(
        "ocsp", "-issuer", live.issuing_pem, "-cert", good, "-reqout", "request.der",
        cwd=live.work,
    )  # fmt: skip
    request = (live.work / "request.der").read_bytes()
    ocsp_type = {"content-type": "application/ocsp-request"}
    answers = {
        "garbage": await live.http.post(f"{live.url}/ocsp", content=b"not DER", headers=ocsp_type),
        "empty": await live.http.post(f"{live.url}/ocsp", content=b"", headers=ocsp_type),
        "truncated": await live.http.post(
            f"{live.url}/ocsp", content=request[:-7], headers=ocsp_type
        ),
        "trailing": await live.http.post(
            f"{live.url}/ocsp", content=request + b"\0", headers=ocsp_type
        ),
        "get-not-base64": await live.http.get(f"{live.url}/ocsp/%25%25%25"),
        "get-not-der": await live.http.get(
            f"{live.url}/ocsp/{quote(base64.b64encode(b'hello').decode(), safe='')}"
        ),
    }
    for name, answer in answers.items():
        assert answer.status_code == 200, (name, answer.text)
        assert answer.headers["content-type"] == "application/ocsp-response", name
        path = write_bytes(live.work / f"{name}.der", answer.content)
        shown = openssl("ocsp", "-respin", path, "-resp_text", "-noverify", cwd=live.work)
        # openssl prints this line only for an unsuccessful status, which has no
        # responseBytes (RFC 6960 4.2.1).
        assert shown.stdout.strip() == "Responder Error: malformedrequest (1)", (name, shown)


# --- CRLs and paths ------------------------------------------------------------------------


def crl_check_all(work: Path, root: Path, issuing: Path, crls: Sequence[Path], leaf: Path) -> str:
    crl_args = [arg for crl in crls for arg in ("-CRLfile", str(crl))]
    result = openssl(
        "verify", "-crl_check_all", "-CAfile", root, "-untrusted", issuing, *crl_args, leaf,
        cwd=work,
    )  # fmt: skip
    return result.stdout + result.stderr


def der_crl_to_pem(work: Path, der: Path) -> Path:
    pem = der.with_suffix(".pem")
    converted = openssl("crl", "-inform", "DER", "-in", der, "-out", pem, cwd=work)
    assert converted.returncode == 0, converted.stderr
    return pem


async def test_openssl_verify_checks_every_link_against_the_crls(live: LiveCa) -> None:
    leaves = [
        await live.issue(ALICE, "individual"),
        await live.issue(ALICE, "individual-auth", KeyPurpose.AUTH),
        await live.issue(DALA_ZHER, "entity"),
        await live.issue(InformationSystem("portal"), "system"),
    ]
    root_crl = der_crl_to_pem(live.work, await live.fetch("/crl/root", "root-crl.der"))
    issuing_crl = der_crl_to_pem(live.work, await live.fetch("/crl", "issuing-crl.der"))
    root_text = openssl("crl", "-in", root_crl, "-noout", "-text", cwd=live.work).stdout
    assert "Issuer: CN = Simulated NCA Root (egov-sim)" in root_text
    assert "No Revoked Certificates." in root_text
    assert "X509v3 CRL Number" in root_text
    crls = [root_crl, issuing_crl]
    for leaf in leaves:
        output = crl_check_all(live.work, live.root_pem, live.issuing_pem, crls, leaf)
        assert f"{leaf}: OK" in output, output
    # Without the root's CRL the issuing CA's status is unknown: the root CRL is what lets
    # -crl_check_all pass.
    without_root = crl_check_all(
        live.work, live.root_pem, live.issuing_pem, [issuing_crl], leaves[0]
    )
    assert "unable to get certificate CRL" in without_root

    await live.revoke(leaves[2], x509.ReasonFlags.key_compromise)
    issuing_crl = der_crl_to_pem(live.work, await live.fetch("/crl", "issuing-crl-2.der"))
    issuing_text = openssl("crl", "-in", issuing_crl, "-noout", "-text", cwd=live.work).stdout
    assert "Key Compromise" in issuing_text
    revoked = crl_check_all(
        live.work, live.root_pem, live.issuing_pem, [root_crl, issuing_crl], leaves[2]
    )
    assert "certificate revoked" in revoked
    still_good = crl_check_all(
        live.work, live.root_pem, live.issuing_pem, [root_crl, issuing_crl], leaves[0]
    )
    assert f"{leaves[0]}: OK" in still_good


async def test_ca_certificates_are_served_where_the_certificates_say(live: LiveCa) -> None:
    """AIA caIssuers (RFC 5280 4.2.2.1) of a leaf serves the issuing CA's certificate (DER), and
    the issuing CA's certificate names the root's certificate and CRL."""
    leaf = x509.load_pem_x509_certificate((await live.issue(ALICE, "leaf")).read_bytes())
    issuing = live.ca.keys.issuing.certificate

    def access(certificate: x509.Certificate, method: x509.ObjectIdentifier) -> str:
        aia = certificate.extensions.get_extension_for_class(x509.AuthorityInformationAccess)
        return next(str(d.access_location.value) for d in aia.value if d.access_method == method)

    for certificate, expected, name in [
        (leaf, live.issuing_pem, "issuing"),
        (issuing, live.root_pem, "root"),
    ]:
        url = access(certificate, AuthorityInformationAccessOID.CA_ISSUERS)
        response = await live.http.get(url)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/pkix-cert"
        served = write_bytes(live.work / f"served-{name}.der", response.content)
        fingerprint = openssl(
            "x509", "-inform", "DER", "-in", served, "-noout", "-fingerprint", "-sha256",
            cwd=live.work,
        ).stdout  # fmt: skip
        assert (
            fingerprint
            == openssl(
                "x509", "-in", expected, "-noout", "-fingerprint", "-sha256", cwd=live.work
            ).stdout
        )
    text = openssl("x509", "-in", live.issuing_pem, "-noout", "-text", cwd=live.work).stdout
    assert f"URI:{live.url}/crl/root" in text
    assert f"CA Issuers - URI:{live.url}/ca/root.crt" in text


@pytest.mark.parametrize("algorithm", [KeyAlgorithm.ES256, KeyAlgorithm.RS256])
def test_crl_check_all_passes_for_both_key_algorithms(
    algorithm: KeyAlgorithm, tmp_path: Path
) -> None:
    """The same with the mechanisms alone (no service), for EC and RSA hierarchies."""
    ca = make_ca(algorithm)
    now = datetime.now(UTC)
    good, revoked = (
        issue_certificate(
            ca.issuing, ALICE, KeyPurpose.SIGNING, generate_private_key(algorithm).public_key(),
            serial=serial, now=now, urls=URLS,
        )
        for serial in (501, 502)
    )  # fmt: skip
    root_crl = build_crl(ca.root, [], now=now, crl_number=1)
    issuing_crl = build_crl(
        ca.issuing,
        [Revocation(502, now, x509.ReasonFlags.cessation_of_operation)],
        now=now,
        crl_number=1,
    )
    (tmp_path / "root.crl").write_bytes(root_crl.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "issuing.crl").write_bytes(issuing_crl.public_bytes(serialization.Encoding.PEM))
    root = write_pem(tmp_path / "root.pem", ca.root.certificate)
    issuing = write_pem(tmp_path / "issuing.pem", ca.issuing.certificate)
    crls = [tmp_path / "root.crl", tmp_path / "issuing.crl"]
    good_pem = write_pem(tmp_path / "good.pem", good)
    revoked_pem = write_pem(tmp_path / "revoked.pem", revoked)
    assert f"{good_pem}: OK" in crl_check_all(tmp_path, root, issuing, crls, good_pem)
    assert "certificate revoked" in crl_check_all(tmp_path, root, issuing, crls, revoked_pem)


# --- profiles ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProfileCase:
    holder: Holder
    purpose: KeyPurpose
    algorithm: KeyAlgorithm
    key_usage: str
    extended_key_usage: str
    policy: str


PROFILE_CASES = {
    "individual-signing": ProfileCase(
        ALICE, KeyPurpose.SIGNING, KeyAlgorithm.ES256,
        "Digital Signature, Non Repudiation", "E-mail Protection, 1.2.398.3.3.4.1.1",
        "1.2.398.3.3.2.3",
    ),
    "individual-auth-ec": ProfileCase(
        ALICE, KeyPurpose.AUTH, KeyAlgorithm.ES256,
        "Digital Signature, Key Agreement", "TLS Web Client Authentication, 1.2.398.3.3.4.1.1",
        "1.2.398.3.3.2.4",
    ),
    "individual-auth-rsa": ProfileCase(
        ALICE, KeyPurpose.AUTH, KeyAlgorithm.RS256,
        "Digital Signature, Key Encipherment",
        "TLS Web Client Authentication, 1.2.398.3.3.4.1.1", "1.2.398.3.3.2.4",
    ),
    "entity-signing": ProfileCase(
        DALA_ZHER, KeyPurpose.SIGNING, KeyAlgorithm.ES256,
        "Digital Signature, Non Repudiation",
        "E-mail Protection, 1.2.398.3.3.4.1.2, 1.2.398.3.3.4.1.2.1", "1.2.398.3.3.2.1",
    ),
    "entity-auth-ec": ProfileCase(
        DALA_ZHER, KeyPurpose.AUTH, KeyAlgorithm.ES256,
        "Digital Signature, Key Agreement",
        "TLS Web Client Authentication, 1.2.398.3.3.4.1.2, 1.2.398.3.3.4.1.2.1",
        "1.2.398.3.3.2.2",
    ),
    "system": ProfileCase(
        InformationSystem("gateway"), KeyPurpose.SIGNING, KeyAlgorithm.ES256,
        "Digital Signature, Non Repudiation",
        "E-mail Protection, TLS Web Client Authentication, 1.2.398.3.3.4.1.2, "
        "1.2.398.3.3.4.1.2.6",
        "1.2.398.3.3.2.1",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", PROFILE_CASES.values(), ids=PROFILE_CASES.keys())
def test_openssl_prints_nuc_profiles(case: ProfileCase, tmp_path: Path) -> None:
    ca = make_ca(case.algorithm)
    certificate = issue_certificate(
        ca.issuing,
        case.holder,
        case.purpose,
        generate_private_key(case.algorithm).public_key(),
        serial=7001,
        now=datetime.now(UTC),
        urls=URLS,
    )
    pem = write_pem(tmp_path / "leaf.pem", certificate)
    text = openssl("x509", "-in", pem, "-noout", "-text", cwd=tmp_path).stdout
    lines = [line.strip() for line in text.splitlines()]

    def value_after(header: str) -> str:
        return lines[lines.index(header) + 1]

    assert value_after("X509v3 Key Usage: critical") == case.key_usage
    assert "Key Encipherment" not in case.key_usage or case.algorithm is KeyAlgorithm.RS256
    assert value_after("X509v3 Extended Key Usage:") == case.extended_key_usage
    assert f"Policy: {case.policy}" in lines
    assert "OCSP - URI:http://registry.test/ocsp" in lines
    assert "CA Issuers - URI:http://registry.test/ca/issuing.crt" in lines
    assert "URI:http://registry.test/crl" in lines
    if isinstance(case.holder, InformationSystem):
        assert f"OU = BIN{SIMULATOR_OPERATOR_BIN}" in text  # the owning legal entity
    # openssl's own path validation accepts it for its purpose.
    root = write_pem(tmp_path / "root.pem", ca.root.certificate)
    issuing = write_pem(tmp_path / "issuing.pem", ca.issuing.certificate)
    purpose = "smimesign" if case.purpose is KeyPurpose.SIGNING else "sslclient"
    verified = openssl(
        "verify", "-CAfile", root, "-untrusted", issuing, "-purpose", purpose, pem, cwd=tmp_path
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
