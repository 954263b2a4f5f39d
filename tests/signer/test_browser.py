"""Proof of compatibility: the published npm client ``ncalayer-js-client`` 1.5.6, unmodified (the
copy `make install` vendors into shared/pages/static/vendor/), in Chromium, against `egov signer`:
it connects, signs detached CMS that openssl and the services' verifier accept, and sees a
cancel and a request no key fits as NCALayer's "canceled by user".

Needs Chromium (Debian: apt-get install -y chromium) and the Python playwright package (no
browser download: the system's Chromium is used). Skipped without them, failed under
EGOV_REQUIRE_INFRA=1 (CI).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from shared.pages.vendor import VENDOR
from shared.signing import VerificationCode
from tests.infra import REQUIRE_INFRA
from tests.pki.conftest import ALICE
from tests.pki.test_cms import OPENSSL, openssl_verify
from tests.signer.conftest import Keys, egov_signer

CLIENT = "ncalayer-js-client"
VENDORED = VENDOR / CLIENT  # where make install put it (shared.pages.vendor)
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PAGE = "https://portal.test/sign.html"
# Bytes as a page has them (an ArrayBuffer): the client base64-encodes them itself.
DATA = b'{"request_id":"REQ-2019-1","note":"line one\r\nline two"}\x00\xff'

# The page's side, as a page would write it with the client.
SIGN = """async ([url, bytes, signer]) => {
  const client = new NCALayerClient(url);
  const version = await client.connect();
  try {
    const signature = await client.basicsSignCMS(
      NCALayerClient.basicsStoragePKCS12,
      new Uint8Array(bytes).buffer,
      NCALayerClient.basicsCMSParamsDetached,
      NCALayerClient[signer],
    );
    return {version, signature};
  } catch (error) {
    return {version, error: error.name, message: error.message, canceled: error.canceledByUser};
  }
}"""
LEGACY = """async ([url, base64]) => {
  const client = new NCALayerClient(url, false);
  await client.connect();
  try {
    return {signature: await client.createCAdESFromBase64('PKCS12', base64, 'SIGNATURE', false)};
  } catch (error) {
    return {error: error.name, message: error.message};
  }
}"""


def _unavailable(reason: str) -> None:
    if REQUIRE_INFRA:
        pytest.fail(f"EGOV_REQUIRE_INFRA=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def vendored_client() -> Path:
    """The vendored client, checked to be the 1.5.6 files as the vendor step extracted them."""
    script = VENDORED / "ncalayer-client.js"
    manifest = VENDORED / ".manifest.json"
    if not script.exists() or not manifest.exists():
        _unavailable(f"{script} is missing: `make install` vendors it from the npm registry")
    recorded = json.loads(manifest.read_text(encoding="utf-8"))
    assert recorded["version"] == "1.5.6"
    digest = hashlib.sha256(script.read_bytes()).hexdigest()
    assert digest == recorded["files"]["ncalayer-client.js"], "the vendored client was changed"
    return script


@pytest.fixture
async def page() -> AsyncIterator[Any]:
    """A Chromium page at https://portal.test/sign.html that loads the client with a classic
    <script src>, as a portal page does."""
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install playwright)")
    if not await asyncio.to_thread(Path(CHROMIUM).exists):
        _unavailable(f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)")
    script = await asyncio.to_thread(vendored_client)
    html = f'<!doctype html><meta charset="utf-8"><script src="/vendor/{CLIENT}.js"></script>'

    async def serve(route: Any) -> None:
        if route.request.url.endswith(f"/vendor/{CLIENT}.js"):
            await route.fulfill(body=script.read_bytes(), content_type="text/javascript")
        else:
            await route.fulfill(body=html, content_type="text/html")

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            # Chromium lets a page of a public origin reach a loopback address only from a
            # secure context (https) and once the user allows it (Local Network Access), as
            # for NCALayer: here the user has allowed it.
            context = await browser.new_context(permissions=["local-network-access"])
            tab = await context.new_page()
            await tab.route("https://portal.test/**", serve)
            await tab.goto(PAGE)
            yield tab
        finally:
            await browser.close()


async def test_client_signs_detached_cms_that_openssl_and_the_verifier_accept(
    page: Any, keys: Keys, tmp_path: Path
) -> None:
    chosen = ("--choose", "alice-sign.p12", "--password-file", keys.password_file)
    with egov_signer("--keys", keys.folder, *chosen) as running:
        answer = await page.evaluate(SIGN, [running.url, list(DATA), "basicsSignerSignPerson"])
        legacy = await page.evaluate(LEGACY, [running.url, "c2lnbiBtZQ=="])  # "sign me"
        logged = running.logged()
    assert answer["version"], answer
    signature = answer.get("signature")
    assert isinstance(signature, str), answer
    assert signature.startswith("-----BEGIN CMS-----")
    result = keys.verifier.verify_document(DATA, signature, expected_iin=ALICE.iin)
    assert result.code is VerificationCode.OK, result.detail
    assert keys.verifier.verify_document(b"sign me", legacy["signature"]).ok, legacy
    assert '"origin": "https://portal.test"' in logged
    if OPENSSL is None:
        _unavailable("the openssl command is not installed (apt-get install -y openssl)")
    verified = openssl_verify(tmp_path, keys.ca, signature, DATA)
    assert verified == "CMS Verification successful"


async def test_cancel_reaches_the_page_as_canceled_by_user(page: Any, keys: Keys) -> None:
    with egov_signer("--keys", keys.folder, "--cancel") as running:
        answer = await page.evaluate(SIGN, [running.url, list(DATA), "basicsSignerSignAny"])
        legacy = await page.evaluate(LEGACY, [running.url, "c2lnbiBtZQ=="])
    assert answer["error"] == "NCALayerError"
    assert answer["canceled"] is True
    assert legacy == {"error": "NCALayerError", "message": "500: action.canceled"}


async def test_no_key_fits_reaches_the_page_as_canceled_by_user(page: Any, keys: Keys) -> None:
    # The page asks for a legal entity's head; the only key offered is Alice's own.
    chosen = ("--choose", "alice-sign.p12", "--password-file", keys.password_file)
    with egov_signer("--keys", keys.folder, *chosen) as running:
        answer = await page.evaluate(SIGN, [running.url, list(DATA), "basicsSignerSignHead"])
        logged = running.logged()
    assert answer["error"] == "NCALayerError"
    assert answer["canceled"] is True
    refused = [json.loads(line) for line in logged.splitlines() if "signer.refused" in line]
    assert [r["reason"] for r in refused] == ["no_matching_key"]
