"""What every service serves a browser whatever its own pages (shared.pages): its home page in
kk/ru/en with the language remembered, the stylesheet and script, /docs working offline from
the vendored Swagger UI, and the vendor step's integrity check."""

from __future__ import annotations

import base64
import hashlib
import io
import re
import tarfile
from pathlib import Path

import pytest
from fastapi import FastAPI

from gateway_svc.settings import GatewaySettings
from shared.bus.memory import InMemoryBus
from shared.config import SettingsError, load_settings
from shared.pages import vendor
from shared.pages.languages import negotiate
from shared.pages.render import LANGUAGE_COOKIE
from shared.pages.signin import mount_sign_in
from shared.runtime import service_app
from shared.signing import VerificationResult
from shared.web import create_service_app
from tests.services.fakes import serving


class _Up:
    async def ping(self) -> None:
        return None


def _app() -> FastAPI:
    return create_service_app(
        "provider", store=_Up(), bus=InMemoryBus(), version="t", title="t", description="d"
    )


async def test_the_home_page_speaks_the_chosen_language_and_remembers_it() -> None:
    async with serving(_app()) as client:
        kazakh = await client.get("/")  # no preference: the state language
        assert kazakh.status_code == 200
        assert kazakh.headers["content-type"].startswith("text/html")
        assert '<html lang="kk">' in kazakh.text
        assert "Қызмет берушінің жұмыс орны" in kazakh.text

        english = await client.get("/?lang=en")
        assert '<html lang="en">' in english.text
        assert "The provider&#39;s workstation" in english.text
        assert english.cookies.get(LANGUAGE_COOKIE) == "en"

        # The cookie, once set, wins over the browser's Accept-Language.
        client.cookies.set(LANGUAGE_COOKIE, "ru")
        russian = await client.get("/", headers={"Accept-Language": "en"})
        assert '<html lang="ru">' in russian.text
        # Every language is offered by name on every page, with the current one marked.
        for code, name in (("kk", "Қазақша"), ("ru", "Русский"), ("en", "English")):
            assert f'href="?lang={code}"' in russian.text
            assert name in russian.text
        assert re.search(r'lang="ru" aria-current="true"', russian.text)


async def test_docs_work_offline_from_the_vendored_swagger_ui() -> None:
    async with serving(_app()) as client:
        docs = await client.get("/docs")
        assert docs.status_code == 200
        assert "cdn" not in docs.text.lower()
        for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', docs.text):
            served = await client.get(asset)
            assert served.status_code == 200, asset
            assert len(served.content) > 100, asset
        css = await client.get("/static/egov.css")
        assert css.status_code == 200
        assert "--accent" in css.text


@pytest.mark.parametrize(
    ("header", "language"),
    [(None, "kk"), ("ru-RU,ru;q=0.9,en;q=0.8", "ru"), ("en;q=0.5, kk;q=0.7", "kk"), ("de", "kk")],
)
def test_accept_language_picks_the_best_of_the_three(header: str | None, language: str) -> None:
    assert negotiate(header) == language


def _tarball(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, content in files.items():
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def test_the_vendor_step_keeps_only_a_tarball_with_the_pinned_digest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vendor, "VENDOR", tmp_path)
    tarball = _tarball({"lib.js": b"console.log(1)", "other.js": b"x"})
    digest = base64.b64encode(hashlib.sha512(tarball).digest()).decode()
    package = vendor.Package("lib", "1.0.0", f"sha512-{digest}", ("lib.js",), "https://r")
    assert package.tarball_url == "https://r/lib/-/lib-1.0.0.tgz"
    vendor.check_integrity(package, tarball)
    vendor.extract(package, tarball)
    assert (tmp_path / "lib" / "lib.js").read_bytes() == b"console.log(1)"
    assert not (tmp_path / "lib" / "other.js").exists()  # only the listed files
    assert vendor.current(package)
    (tmp_path / "lib" / "lib.js").write_bytes(b"changed")
    assert not vendor.current(package)  # a changed file is fetched again
    with pytest.raises(vendor.VendorError, match="refusing to use it"):
        vendor.check_integrity(package, tarball + b"tampered")


def test_the_lock_pins_every_package_the_pages_serve() -> None:
    found = {p.name: p for p in vendor.packages()}
    assert {"swagger-ui-dist", "ncalayer-js-client"} <= set(found)
    assert found["ncalayer-js-client"].version == "1.5.6"
    assert all(p.integrity.startswith("sha512-") for p in found.values())
    # make install brought them, unchanged.
    assert all(vendor.current(p) for p in found.values())


async def _never_verified(_payload: bytes, _signature: str) -> VerificationResult:
    raise AssertionError("nothing is signed here")


async def test_the_pages_tell_the_browser_where_its_signer_is(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # NCALayer's own address unless EGOV_SIGNER_URL says otherwise (egov.js reads data-signer).
    async with serving(_app()) as client:
        assert '<body data-signer="wss://127.0.0.1:13579">' in (await client.get("/")).text
    monkeypatch.setenv("EGOV_SIGNER_URL", "wss://signer.example:8443")
    settings = load_settings(GatewaySettings)
    app = service_app(settings, title="t", description="d", store=_Up(), bus=InMemoryBus())
    mount_sign_in(app, "gateway", _never_verified)
    async with serving(app) as client:
        home = await client.get("/")
        assert '<body data-signer="wss://signer.example:8443">' in home.text
        # A control that signs is drawn disabled; egov.js enables it once the page has loaded.
        sign_in = await client.get("/sign-in")
        assert re.search(
            r'<button [^>]*id="sign-in-submit"[^>]* data-signs disabled>', sign_in.text
        )
        script = (await client.get("/static/egov.js")).text
        assert 'querySelectorAll("[data-signs]")' in script
    monkeypatch.setenv("EGOV_SIGNER_URL", "https://signer.example")
    with pytest.raises(SettingsError, match="EGOV_SIGNER_URL"):
        load_settings(GatewaySettings)
