"""NCALayer's WebSocket protocol as the npm client ``ncalayer-js-client`` speaks it: one JSON
request per text frame, exactly one reply per request, in order, no request ids.

Two modules:

* ``kz.gov.pki.knca.basics``, method ``sign`` (the current API): ``args`` is an object
  (``allowedStorages``, ``format``, ``data``, ``signingParams``, ``signerParams``, ``locale``).
  Replies ``{"status": true, "body": {"result": ...}}``; a canceled request
  ``{"status": true, "body": {}}``; an error ``{"status": false, "code", "message", "details"}``.
* ``kz.gov.pki.knca.commonUtils`` (the older API): ``args`` is a list. Replies
  ``{"code": "200", "responseObject": ...}`` (the code is a string); an error
  ``{"code": "500", "message": ...}``, a canceled request ``{"code": "500", "message":
  "action.canceled"}``.

Anything else (KAZTOKEN's ``kz.digiflow.mobile.extensions`` probe among them) gets an error
reply: the client then knows it is not talking to KAZTOKEN.

Only CMS is made (no XML signatures), only from PKCS#12 key files (the ``PKCS12`` storage), and
no time-stamp token is added (``tsaProfile`` is ignored).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from egov.signer.choosers import KeyChooser, Refused, SignRequest
from shared.logging import get_logger
from shared.pki.certinfo import identity_of, serial_hex
from shared.pki.cms import CmsSigner, cms_pem
from shared.pki.oids import EKU_AUTH, EKU_SIGNING
from shared.pki.pkcs12 import KeyFile

BASICS = "kz.gov.pki.knca.basics"
COMMON_UTILS = "kz.gov.pki.knca.commonUtils"
FILE_STORAGE = "PKCS12"  # NCALayer's name of the PKCS#12 file storage
CANCELED = "action.canceled"
# commonUtils' key types: the key's purpose.
KEY_TYPES = {
    "SIGNATURE": (EKU_SIGNING.dotted_string,),
    "AUTHENTICATION": (EKU_AUTH.dotted_string,),
}

Reply = dict[str, Any]

_log = get_logger("egov.signer")


class BadRequest(Exception):
    """A request the signer cannot carry out as asked (malformed, or not supported)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Signing:
    """How the documents of one request are signed (NCALayer's ``signingParams``)."""

    attached: bool  # the data goes inside the CMS
    digested: bool  # each document is a SHA-256 digest of the data, not the data

    def describe(self, count: int) -> str:
        form = "attached" if self.attached else "detached"
        over = ", over digests" if self.digested else ""
        plural = "" if count == 1 else "s"
        return f"sign {count} document{plural} (CMS, {form}{over})"

    def sign(self, key: KeyFile, documents: Sequence[bytes]) -> list[bytes]:
        signer = CmsSigner.from_key_file(key)
        if self.digested:
            return [signer.sign_digest(digest) for digest in documents]
        return [signer.sign(document, attached=self.attached) for document in documents]


def _b64(text: object, what: str) -> bytes:
    if not isinstance(text, str):
        raise BadRequest("BAD_REQUEST", f"{what} must be a base64 string")
    try:
        return base64.b64decode(text, validate=True)
    except (ValueError, binascii.Error) as exc:
        raise BadRequest("BAD_REQUEST", f"{what} is not base64: {exc}") from None


def _flag(params: dict[str, Any], name: str, default: bool) -> bool:
    value = params.get(name, default)
    if not isinstance(value, bool):
        raise BadRequest("BAD_REQUEST", f"signingParams.{name} must be true or false")
    return value


class Protocol:
    """Answers the requests of every connection. Requests that need a key are served one at a
    time (a person answers one prompt at a time), through ``chooser``."""

    def __init__(self, chooser: KeyChooser) -> None:
        self._chooser = chooser
        self._choosing = asyncio.Lock()
        self._prompt: asyncio.Future[KeyFile] | None = None

    async def answer(self, text: str, origin: str | None = None) -> Reply:
        try:
            request = json.loads(text)
        except ValueError:
            return {"code": "500", "message": "the request is not JSON"}
        if not isinstance(request, dict):
            return {"code": "500", "message": "the request is not a JSON object"}
        module, method = request.get("module"), request.get("method")
        args = request.get("args")
        _log.info("signer.request", module=module, method=method, origin=origin)
        try:
            if module == BASICS:
                return await self._basics(method, args, origin)
            if module == COMMON_UTILS:
                return await self._common_utils(method, args, origin)
        except (ValueError, OSError) as exc:
            # A key file that cannot be read or a key that cannot sign (another curve): the
            # page gets an error reply, the connection stays.
            _log.warning("signer.failed", module=module, method=method, error=str(exc))
            message = f"the signer could not sign: {exc}"
            if module == BASICS:
                return _basics_error("SIGNER_ERROR", message)
            return {"code": "500", "message": message}
        # KAZTOKEN's probe lands here too: an error tells the client this is not KAZTOKEN.
        return {"code": "500", "message": f"module {module!r} is not available"}

    async def _key(self, request: SignRequest) -> KeyFile:
        async with self._choosing:
            if self._prompt is not None and not self._prompt.done():
                # A prompt still open for a request whose page went away: one prompt at a time.
                await asyncio.wait([self._prompt])
            self._prompt = _on_daemon_thread(self._chooser.choose, request)
            return await asyncio.shield(self._prompt)

    # --- kz.gov.pki.knca.basics -------------------------------------------------------------

    async def _basics(self, method: object, args: object, origin: str | None) -> Reply:
        if method != "sign":
            return _basics_error("UNKNOWN_METHOD", f"{BASICS} has no method {method!r}")
        try:
            signing, documents, many, wanted = _basics_sign_args(args)
        except BadRequest as bad:
            return _basics_error(bad.code, bad.message)
        request = SignRequest(origin, signing.describe(len(documents)), wanted, tuple(documents))
        try:
            key = await self._key(request)
        except Refused as refused:
            _refused(refused, origin)
            return {"status": True, "body": {}}  # what NCALayer answers when the user cancels
        signatures = await asyncio.to_thread(signing.sign, key, documents)
        _signed(key, len(signatures), origin)
        pems = [cms_pem(der) for der in signatures]
        return {"status": True, "body": {"result": pems if many else pems[0]}}

    # --- kz.gov.pki.knca.commonUtils --------------------------------------------------------

    async def _common_utils(self, method: object, args: object, origin: str | None) -> Reply:
        if method == "getActiveTokens":
            return {"code": "200", "responseObject": []}  # no hardware tokens, files only
        if method == "changeLocale":
            return {"code": "200"}
        try:
            if method == "getKeyInfo":
                _storage(_list_args(args, 1)[0])
                request = SignRequest(origin, "show a key's certificate", ())
                key = await self._key(request)
                return {"code": "200", "responseObject": key_info(key)}
            if method in ("createCAdESFromBase64", "createCMSSignatureFromBase64"):
                storage, key_type, data, attach = _list_args(args, 4)
                if not isinstance(attach, bool):
                    raise BadRequest("500", "the fourth argument (attach) must be true or false")
                signing = Signing(attached=attach, digested=False)
                document = _b64(data, "the data")
            elif method == "createCAdESFromBase64Hash":
                storage, key_type, data = _list_args(args, 3)
                signing = Signing(attached=False, digested=True)
                document = _b64(data, "the hash")
                _sha256_sized([document])
            elif method in ("signXml", "signXmls"):
                raise BadRequest("500", "the egov signer makes CMS signatures only, not XML")
            else:
                raise BadRequest("500", f"{COMMON_UTILS} has no method {method!r}")
            _storage(storage)
            request = SignRequest(origin, signing.describe(1), _key_type(key_type), (document,))
            key = await self._key(request)
        except BadRequest as bad:
            return {"code": "500", "message": bad.message}
        except Refused as refused:
            _refused(refused, origin)
            return {"code": "500", "message": CANCELED}
        [signature] = await asyncio.to_thread(signing.sign, key, [document])
        _signed(key, 1, origin)
        return {"code": "200", "responseObject": base64.b64encode(signature).decode("ascii")}


def _on_daemon_thread(
    choose: Callable[[SignRequest], KeyFile], request: SignRequest
) -> asyncio.Future[KeyFile]:
    """``choose(request)`` on a thread of its own. A chooser may block on the terminal; on the
    event loop's worker threads an unanswered prompt would keep Ctrl-C from ending the signer
    (asyncio.run waits for them), a daemon thread does not."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[KeyFile] = loop.create_future()

    def settle(outcome: KeyFile | BaseException) -> None:
        if future.done():
            return
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)

    def run() -> None:
        try:
            outcome: KeyFile | BaseException = choose(request)
        except Exception as exc:  # Refused, or a fault: the waiting request gets it
            outcome = exc
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: nobody waits
            loop.call_soon_threadsafe(settle, outcome)

    threading.Thread(target=run, name="egov-signer-choose", daemon=True).start()
    return future


def _basics_error(code: str, message: str, details: str = "") -> Reply:
    return {"status": False, "code": code, "message": message, "details": details}


def _basics_sign_args(args: object) -> tuple[Signing, list[bytes], bool, tuple[str, ...]]:
    """The signing, the documents, whether several were sent (a list), the OIDs asked for."""
    if not isinstance(args, dict):
        raise BadRequest("BAD_REQUEST", "args must be an object")
    if args.get("format") != "cms":
        raise BadRequest(
            "UNSUPPORTED_FORMAT", "the egov signer makes CMS signatures only (format 'cms')"
        )
    storages = args.get("allowedStorages")
    if storages is not None and (not isinstance(storages, list) or FILE_STORAGE not in storages):
        raise BadRequest(
            "UNSUPPORTED_STORAGE",
            f"the egov signer holds key files only: allowedStorages must be null or name "
            f"{FILE_STORAGE}",
        )
    params = args.get("signingParams") or {}
    if not isinstance(params, dict):
        raise BadRequest("BAD_REQUEST", "signingParams must be an object")
    # An empty signingParams is NCALayer's default CMS: the data in base64, encapsulated.
    decode = _flag(params, "decode", True)
    signing = Signing(
        attached=_flag(params, "encapsulate", True), digested=_flag(params, "digested", False)
    )
    if signing.digested and signing.attached:
        raise BadRequest("BAD_REQUEST", "a signature over a digest cannot encapsulate the data")
    data = args.get("data")
    many = isinstance(data, list)
    items = data if isinstance(data, list) else [data]
    if not items:
        raise BadRequest("BAD_REQUEST", "data is an empty list")
    if decode:
        documents = [_b64(item, "data") for item in items]
    elif all(isinstance(item, str) for item in items):
        documents = [str(item).encode("utf-8") for item in items]
    else:
        raise BadRequest("BAD_REQUEST", "data must be a string or a list of strings")
    if signing.digested:
        _sha256_sized(documents)
    signer_params = args.get("signerParams") or {}
    wanted = signer_params.get("extKeyUsageOids", []) if isinstance(signer_params, dict) else None
    if not isinstance(wanted, list) or not all(isinstance(oid, str) for oid in wanted):
        raise BadRequest("BAD_REQUEST", "signerParams.extKeyUsageOids must be a list of OIDs")
    return signing, documents, many, tuple(wanted)


def _sha256_sized(digests: Sequence[bytes]) -> None:
    if any(len(d) != 32 for d in digests):
        raise BadRequest("BAD_REQUEST", "a digest to sign is a SHA-256 digest (32 bytes)")


def _list_args(args: object, count: int) -> list[Any]:
    if not isinstance(args, list) or len(args) < count:
        raise BadRequest("500", f"args must be a list of {count} values")
    return args[:count]


def _storage(storage: object) -> None:
    if storage != FILE_STORAGE:
        raise BadRequest(
            "500", f"the egov signer holds key files only (storage {FILE_STORAGE}), not {storage!r}"
        )


def _key_type(key_type: object) -> tuple[str, ...]:
    # Any other value lets the user choose any key, as NCALayer does.
    return KEY_TYPES.get(key_type, ()) if isinstance(key_type, str) else ()


def key_info(key: KeyFile) -> dict[str, str]:
    """What commonUtils' ``getKeyInfo`` answers about the chosen key's certificate."""
    certificate = key.certificate
    identity = identity_of(certificate)
    issuer = key.chain[0] if key.chain else None
    return {
        "alias": serial_hex(certificate),
        "keyId": serial_hex(certificate),
        "algorithm": "EC" if isinstance(key.key, ec.EllipticCurvePrivateKey) else "RSA",
        "subjectCn": identity.subject,
        "subjectDn": certificate.subject.rfc4514_string(),
        "issuerCn": identity_of(issuer).subject if issuer is not None else "",
        "issuerDn": certificate.issuer.rfc4514_string(),
        "serialNumber": serial_hex(certificate),
        # Milliseconds since the epoch, as a string, as NCALayer (Java) writes dates.
        "certNotBefore": str(int(certificate.not_valid_before_utc.timestamp() * 1000)),
        "certNotAfter": str(int(certificate.not_valid_after_utc.timestamp() * 1000)),
        "pem": certificate.public_bytes(serialization.Encoding.PEM).decode("ascii"),
    }


def _signed(key: KeyFile, count: int, origin: str | None) -> None:
    _log.info(
        "signer.signed",
        serial=serial_hex(key.certificate),
        subject=identity_of(key.certificate).subject,
        documents=count,
        origin=origin,
    )


def _refused(refused: Refused, origin: str | None) -> None:
    _log.info("signer.refused", reason=refused.reason.value, detail=refused.detail, origin=origin)
