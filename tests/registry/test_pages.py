# ruff: noqa: RUF001  -- Kazakh and Russian texts and test data are Cyrillic on purpose
"""The НУЦ and registries pages (registry_svc/pages) in-process: the RA operator signs in with
a certificate, registers a person and a legal entity and finds them, issues certificates (the
PKCS#12 comes back as a download, never shown), reads a certificate's status, revokes it with
a reason, and reads the CRL and the OCSP responder; a registrar only the registries; anybody
else is refused as a page. An invalid form names what is wrong in the reader's language and
stores nothing."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from cryptography import x509

from registry_svc.components import RegistryComponents
from registry_svc.entrypoints.api import build_router
from registry_svc.pages.router import mount_pages
from shared.eventlog.sqlite import SqliteEventStore
from shared.pages.sessions import COOKIE
from shared.pki import oids
from shared.pki.cms import CmsSigner, cms_pem
from shared.pki.jws import JwsSigner
from shared.pki.pkcs12 import load_pkcs12
from shared.pki.profiles import EntityRole, Individual, LegalEntitySigner, simulator_operator
from shared.web import create_service_app
from tests.registry.conftest import RA_PERSON, person_signer

IIN = "900101300126"  # 1990-01-01, male
BIN = "050140000656"  # registered 2005-01
PERSON_FORM = {
    "iin": IIN,
    "surname_kk": "Оспанов",
    "surname_ru": "Оспанов",
    "name_kk": "Ерлан",
    "name_ru": "Ерлан",
    "patronymic_kk": "Мұратұлы",
    "patronymic_ru": "Муратович",
    "birth_date": "",
    "gender": "",
    "citizenship": "KZ",
    "address": "г. Астана, ул. Абая, д. 1, кв. 2",
    "status": "active",
}
ENTITY_FORM = {
    "bin": BIN,
    "name_kk": '"Дала Жер" ЖШС',
    "name_ru": 'ТОО "Дала Жер"',
    "registration_date": "2005-01-20",
    "head_iin": IIN,
    "address": "г. Алматы, ул. Достык, д. 5",
    "status": "active",
}
PASSWORD = "Qazaqstan2019"


@pytest.fixture
def app(components: RegistryComponents, store: SqliteEventStore) -> Any:
    class _NoBus:
        async def ping(self) -> None:
            return None

    app = create_service_app(
        "registry",
        store=store,
        bus=_NoBus(),
        version="test",
        title="registry (test)",
        description="registry under test",
    )
    app.include_router(build_router(components))
    mount_pages(app, components)
    return app


Open = Callable[..., Any]


@pytest.fixture
async def browser(app: Any) -> AsyncIterator[Open]:
    """``await browser(signer, lang)``: a client signed in with ``signer``'s certificate."""
    clients: list[httpx.AsyncClient] = []

    async def open_one(signer: JwsSigner | CmsSigner | None = None, lang: str = "en") -> Any:
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://registry.test",
            cookies={"egov_lang": lang},
        )
        clients.append(client)
        if signer is not None:
            given = (await client.post("/sign-in/challenge")).json()
            signed = signer.sign(given["text"].encode())
            signature = cms_pem(signed) if isinstance(signed, bytes) else signed
            answer = await client.post(
                "/sign-in", json={"challenge": given["challenge"], "signature": signature}
            )
            assert answer.status_code == 200, answer.text
            assert COOKIE in client.cookies
        return client

    yield open_one
    for client in clients:
        await client.aclose()


@pytest.fixture
async def operator(browser: Open, ra: JwsSigner) -> httpx.AsyncClient:
    client: httpx.AsyncClient = await browser(ra)
    return client


async def _register_person(http: httpx.AsyncClient, **changes: str) -> httpx.Response:
    return await http.post("/ra/persons", data={**PERSON_FORM, **changes})


def _events(store: SqliteEventStore) -> Any:
    return store.read_all(after=0, limit=100_000)


# --- who may open the pages ------------------------------------------------------------------

PAGES = [
    "/ra/persons",
    "/ra/persons/new",
    "/ra/entities",
    "/ra/entities/new",
    "/ra/certificates",
    "/ra/certificates/new",
    "/ra/revocation",
]


@pytest.mark.parametrize("path", PAGES)
async def test_a_page_without_a_session_goes_to_sign_in(browser: Open, path: str) -> None:
    anonymous = await browser()
    answer = await anonymous.get(path)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/sign-in?next={path}"


@pytest.mark.parametrize("path", PAGES)
async def test_the_ra_operator_opens_every_page(operator: httpx.AsyncClient, path: str) -> None:
    answer = await operator.get(path)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("kk", "Бұл бет сіздің рөліңізге арналмаған."),
        ("ru", "Эта страница не для вашей роли."),
        ("en", "This page is not for your role."),
    ],
)
async def test_a_citizen_and_a_staff_member_are_refused_as_a_page(
    browser: Open, components: RegistryComponents, citizen: JwsSigner, lang: str, message: str
) -> None:
    staff = await person_signer(
        components,
        LegalEntitySigner(
            Individual("851231400011", "Seitkali", "Aigerim"),
            BIN,
            "Dala Zher LLP",
            EntityRole.EMPLOYEE,
        ),
    )
    for signer in (citizen, staff):
        client = await browser(signer, lang)
        for path in ("/ra/persons", "/ra/certificates", "/ra/revocation"):
            answer = await client.get(path)
            assert answer.status_code == 403, path
            assert 'data-code="ROLE_REQUIRED"' in answer.text
            assert message in answer.text
        refused = await client.post("/ra/persons", data=PERSON_FORM)
        assert refused.status_code == 403
    assert components.registry.view.person(IIN) is None


async def test_a_registrar_keeps_the_registries_and_not_the_certificates(
    browser: Open, components: RegistryComponents
) -> None:
    registrar = await person_signer(
        components, simulator_operator(RA_PERSON, (oids.ROLE_REGISTRAR,))
    )
    client = await browser(registrar)
    assert (await client.get("/ra/persons")).status_code == 200
    assert (await client.get("/ra/revocation")).status_code == 200
    for path in ("/ra/certificates", "/ra/certificates/new"):
        assert (await client.get(path)).status_code == 403


async def test_the_operator_signs_in_with_a_cms_from_the_browsers_signer(
    browser: Open, components: RegistryComponents
) -> None:
    holder = simulator_operator(RA_PERSON, (oids.ROLE_RA_OPERATOR, oids.ROLE_REGISTRAR))
    from shared.pki.profiles import KeyPurpose

    issued = await components.ca.issue(holder, KeyPurpose.SIGNING, password="pw")
    signer = CmsSigner.from_key_file(load_pkcs12(issued.pkcs12, password="pw"))
    client = await browser(signer)
    assert (await client.get("/ra/certificates")).status_code == 200


# --- ГБД ФЛ and ГБД ЮЛ -------------------------------------------------------------------------


async def test_a_person_registered_through_the_page_is_found_by_look_up(
    operator: httpx.AsyncClient,
) -> None:
    registered = await _register_person(operator)
    assert registered.status_code == 303
    assert registered.headers["location"] == f"/ra/persons?iin={IIN}&done=registered"
    found = await operator.get(registered.headers["location"])
    assert found.status_code == 200
    assert f'data-iin="{IIN}"' in found.text
    for text in ("Оспанов", "Мұратұлы", "Муратович", "1990-01-01", "male", "ул. Абая"):
        assert text in found.text
    assert "The person is registered." in found.text
    # The birth date and the gender were read from the IIN.
    again = await operator.get("/ra/persons", params={"iin": IIN})
    assert again.status_code == 200
    twice = await _register_person(operator)
    assert twice.status_code == 409
    assert "This IIN is registered already." in twice.text


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("kk", "Бақылау цифры сәйкес емес: нөмірде қате бар."),
        ("ru", "Не сходится контрольная цифра: в номере ошибка."),
        ("en", "The check digit does not match: the number has a typo."),
    ],
)
async def test_an_invalid_person_form_names_each_problem_and_stores_nothing(
    browser: Open,
    ra: JwsSigner,
    components: RegistryComponents,
    store: SqliteEventStore,
    lang: str,
    message: str,
) -> None:
    client = await browser(ra, lang)
    before = len(await _events(store))
    answer = await _register_person(
        client, iin="900101300127", name_ru="", patronymic_ru="", citizenship="kz"
    )
    assert answer.status_code == 422
    assert message in answer.text
    problems = dict(
        re.findall(r'id="e-([a-z_]+)" class="field-error" data-problem="([^"]+)"', answer.text)
    )
    assert problems == {
        "iin": "ra.id.BAD_CHECK_DIGIT",
        "name_ru": "ra.required",
        "patronymic_ru": "ra.both_languages",
        "citizenship": "ra.bad_country",
    }
    assert 'value="Оспанов"' in answer.text  # what was typed stays
    assert "Traceback" not in answer.text
    assert len(await _events(store)) == before
    assert components.registry.view.person("900101300127") is None


async def test_a_blank_citizenship_is_kazakhstan_as_the_form_says(
    operator: httpx.AsyncClient, components: RegistryComponents
) -> None:
    registered = await _register_person(operator, citizenship="")
    assert registered.status_code == 303, registered.text
    person = components.registry.view.person(IIN)
    assert person is not None
    assert person.citizenship == "KZ"


async def test_a_birth_date_or_gender_against_the_iin_is_refused(
    operator: httpx.AsyncClient, components: RegistryComponents
) -> None:
    answer = await _register_person(operator, birth_date="1990-02-01", gender="FEMALE")
    assert answer.status_code == 422
    assert "The date of birth differs from the one in the IIN." in answer.text
    assert "The gender differs from the IIN&#39;s 7th digit." in answer.text
    assert components.registry.view.person(IIN) is None


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("kk", ("Жеке тұлғалар мемлекеттік деректер базасы (ЖТ МДБ)", "ер", "әрекетте")),
        ("ru", ("Государственная база данных «Физические лица» (ГБД ФЛ)", "мужской")),
        ("en", ("The state database of individuals", "male", "active")),
    ],
)
async def test_a_person_look_up_speaks_each_language(
    browser: Open, ra: JwsSigner, lang: str, words: tuple[str, ...]
) -> None:
    client = await browser(ra, lang)
    assert (await _register_person(client)).status_code == 303
    page = await client.get("/ra/persons", params={"iin": IIN})
    assert f'<html lang="{lang}">' in page.text
    for word in words:
        assert word in page.text


async def test_an_unknown_or_malformed_iin_is_named(operator: httpx.AsyncClient) -> None:
    unknown = await operator.get("/ra/persons", params={"iin": "851231400011"})
    assert unknown.status_code == 404
    assert "The registry holds no person with this IIN" in unknown.text
    short = await operator.get("/ra/persons", params={"iin": "1234"})
    assert short.status_code == 422
    assert "The number has 12 digits." in short.text


async def test_an_entity_registered_through_the_page_is_found_by_bin(
    operator: httpx.AsyncClient, components: RegistryComponents
) -> None:
    early = await operator.post("/ra/entities", data=ENTITY_FORM)
    assert early.status_code == 422
    assert "register the head first" in early.text
    assert components.registry.view.entity(BIN) is None
    assert (await _register_person(operator)).status_code == 303
    wrong_date = await operator.post(
        "/ra/entities", data={**ENTITY_FORM, "registration_date": "2006-01-20"}
    )
    assert wrong_date.status_code == 422
    assert "differs from the BIN" in wrong_date.text
    registered = await operator.post("/ra/entities", data=ENTITY_FORM)
    assert registered.status_code == 303
    found = await operator.get(registered.headers["location"])
    assert f'data-bin="{BIN}"' in found.text
    for text in ("ТОО &#34;Дала Жер&#34;", "resident legal entity", "head unit", IIN):
        assert text in found.text
    person = await operator.get("/ra/persons", params={"iin": IIN})
    assert f"/ra/entities?bin={BIN}" in person.text  # the head's entities


# --- certificates ------------------------------------------------------------------------------


async def _issue(http: httpx.AsyncClient, **fields: str) -> httpx.Response:
    form = {
        "kind": "individual",
        "iin": IIN,
        "surname": "Ospanov",
        "given_name": "Erlan",
        "patronymic": "",
        "purpose": "signing",
        "algorithm": "ES256",
        "password": PASSWORD,
        "password_again": PASSWORD,
        **fields,
    }
    return await http.post("/ra/certificates", data=form)


async def test_an_issued_certificate_downloads_as_pkcs12_and_has_a_status_page(
    operator: httpx.AsyncClient, components: RegistryComponents
) -> None:
    answer = await _issue(operator)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/x-pkcs12"
    assert answer.headers["cache-control"] == "no-store"
    key_file = load_pkcs12(answer.content, password=PASSWORD)
    serial = format(key_file.certificate.serial_number, "x")
    assert answer.headers["content-disposition"] == f'attachment; filename="{serial}.p12"'
    status_path = answer.headers["x-egov-certificate"]
    assert status_path == f"/ra/certificates/{serial}?issued=1"
    page = await operator.get(status_path)
    assert page.status_code == 200
    assert f'<code data-test="serial">{serial}</code>' in page.text
    assert 'data-state="good"' in page.text
    for text in (IIN, "individual", "signing", f"{serial}.p12"):
        assert text in page.text
    assert "OSPANOV ERLAN" in page.text.upper()
    # The key is never shown: nothing of the key file is on any page.
    listing = await operator.get("/ra/certificates")
    assert f'data-serial="{serial}"' in listing.text
    assert "BEGIN" not in page.text + listing.text
    record = components.ca.state.issued[key_file.certificate.serial_number]
    assert record.holder_kind == "individual"


async def test_a_legal_entity_signer_has_its_role_and_a_system_is_not_given_a_key_twice(
    operator: httpx.AsyncClient,
) -> None:
    signer = await _issue(
        operator,
        kind="legal_entity",
        bin=BIN,
        organization="Dala Zher LLP",
        role="first_head",
    )
    assert signer.status_code == 200, signer.text
    certificate = load_pkcs12(signer.content, password=PASSWORD).certificate
    assert f"BIN{BIN}" in certificate.subject.rfc4514_string()
    page = await operator.get(signer.headers["x-egov-certificate"])
    assert "first head" in page.text
    no_role = await _issue(operator, kind="legal_entity", bin=BIN, organization="Dala")
    assert no_role.status_code == 422
    assert "Choose from the list." in no_role.text
    first = await _issue(operator, kind="system", system_id="provider.almaty.newdesk")
    assert first.status_code == 200
    again = await _issue(operator, kind="system", system_id="provider.almaty.newdesk")
    assert again.status_code == 409
    assert "This system has a valid certificate" in again.text
    forced = await _issue(
        operator, kind="system", system_id="provider.almaty.newdesk", reissue="on"
    )
    assert forced.status_code == 200


@pytest.mark.parametrize(
    ("lang", "messages"),
    [
        ("kk", ("Құпиясөздер сәйкес емес.", "Нөмір 12 цифрдан тұрады.")),
        ("ru", ("Пароли не совпадают.", "Номер состоит из 12 цифр.")),
        ("en", ("The passwords differ.", "The number has 12 digits.")),
    ],
)
async def test_an_invalid_issue_form_issues_nothing(
    browser: Open,
    ra: JwsSigner,
    components: RegistryComponents,
    lang: str,
    messages: tuple[str, ...],
) -> None:
    client = await browser(ra, lang)
    before = len(components.ca.state.issued)
    answer = await _issue(client, iin="90010130012", password_again="something else")
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("text/html")
    for message in messages:
        assert message in answer.text
    assert PASSWORD not in answer.text  # a password is never shown back
    short = await _issue(client, password="abc", password_again="abc")
    assert short.status_code == 422
    await components.ca.refresh()
    assert len(components.ca.state.issued) == before


async def test_revoking_through_the_page_needs_a_reason_and_shows_it_revoked(
    operator: httpx.AsyncClient, components: RegistryComponents
) -> None:
    issued = await _issue(operator)
    serial = format(load_pkcs12(issued.content, password=PASSWORD).certificate.serial_number, "x")
    path = f"/ra/certificates/{serial}/revocation"
    no_reason = await operator.post(path, data={"reason": ""})
    assert no_reason.status_code == 422
    assert "Choose from the list." in no_reason.text
    assert 'data-state="good"' in no_reason.text
    assert int(serial, 16) not in components.ca.state.revoked
    revoked = await operator.post(path, data={"reason": "keyCompromise"})
    assert revoked.status_code == 303
    assert revoked.headers["location"] == f"/ra/certificates/{serial}?revoked=1"
    page = await operator.get(revoked.headers["location"])
    assert 'data-state="revoked"' in page.text
    assert 'data-reason="keyCompromise"' in page.text
    assert "key compromise" in page.text
    assert "The certificate is revoked." in page.text
    assert 'id="certificate-revoke-submit"' not in page.text
    again = await operator.post(path, data={"reason": "superseded"})
    assert again.status_code == 409
    assert "This certificate is revoked already." in again.text
    assert components.ca.state.revoked[int(serial, 16)].reason is x509.ReasonFlags.key_compromise


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("kk", ("кері қайтарылған", "кілттің құпиясы ашылды")),
        ("ru", ("отозван", "компрометация ключа")),
        ("en", ("revoked", "key compromise")),
    ],
)
async def test_a_revoked_certificates_page_speaks_each_language(
    browser: Open, ra: JwsSigner, lang: str, words: tuple[str, ...]
) -> None:
    client = await browser(ra, lang)
    issued = await _issue(client)
    serial = format(load_pkcs12(issued.content, password=PASSWORD).certificate.serial_number, "x")
    await client.post(f"/ra/certificates/{serial}/revocation", data={"reason": "keyCompromise"})
    page = await client.get(f"/ra/certificates/{serial}")
    for word in words:
        assert word in page.text


async def test_a_certificate_is_found_by_serial_and_an_unknown_one_is_named(
    operator: httpx.AsyncClient,
) -> None:
    issued = await _issue(operator)
    serial = format(load_pkcs12(issued.content, password=PASSWORD).certificate.serial_number, "x")
    found = await operator.get("/ra/certificates", params={"serial": serial.upper()})
    assert found.status_code == 303
    assert found.headers["location"] == f"/ra/certificates/{serial}"
    bad = await operator.get("/ra/certificates", params={"serial": "not-hex"})
    assert bad.status_code == 422
    assert "hexadecimal digits" in bad.text
    unknown = await operator.get("/ra/certificates/abc123")
    assert unknown.status_code == 404
    assert "No certificate with this serial number was issued." in unknown.text


async def test_a_post_from_another_site_is_refused(
    operator: httpx.AsyncClient, components: RegistryComponents
) -> None:
    answer = await operator.post(
        "/ra/persons", data=PERSON_FORM, headers={"Origin": "https://attacker.example"}
    )
    assert answer.status_code == 403
    assert 'data-code="foreign_origin"' in answer.text
    assert components.registry.view.person(IIN) is None


# --- CRL and OCSP ------------------------------------------------------------------------------


async def test_the_crl_and_ocsp_page_follows_the_ca(
    operator: httpx.AsyncClient, components: RegistryComponents
) -> None:
    issued = await _issue(operator)
    serial = format(load_pkcs12(issued.content, password=PASSWORD).certificate.serial_number, "x")
    page = await operator.get("/ra/revocation")
    assert page.status_code == 200
    number = int(re.search(r'data-test="crl-number">(\d+)<', page.text).group(1))  # type: ignore[union-attr]
    assert number == components.ca.state.version
    assert re.search(r'data-test="revoked-count">0<', page.text)
    assert 'data-test="ocsp-answer" data-state="good"' in page.text
    assert serial in page.text
    assert "OCSP Responder" in page.text or "OCSP" in page.text
    await operator.post(f"/ra/certificates/{serial}/revocation", data={"reason": "superseded"})
    after = await operator.get("/ra/revocation")
    assert re.search(r'data-test="revoked-count">1<', after.text)
    later = int(re.search(r'data-test="crl-number">(\d+)<', after.text).group(1))  # type: ignore[union-attr]
    assert later > number
    assert 'data-test="ocsp-answer" data-state="revoked"' in after.text
    assert "An answer is good for 60 minutes" in after.text
