"""Who decides which key signs a page's request, and unlocks it: the person at the signer's
terminal (:class:`TerminalChooser`), or the options the signer was started with
(:class:`Unattended`: tests and automation). Never the page: it only says which kinds of key it
accepts (OIDs), and learns nothing about the user's keys but the signature.

A chooser is called on a worker thread and may block (a prompt); it returns the opened key file
or raises :class:`Refused`, which the page sees as NCALayer's "canceled" answer whatever the
reason (a wrong password or an unsuitable key is the user's business, said at the terminal and in
the log, as NCALayer says it in its own window).
"""

from __future__ import annotations

import getpass
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from cryptography import x509

from egov.signer.keys import KeyFolder, describe, describe_oids, offers, open_key
from shared.pki.certinfo import serial_hex
from shared.pki.pkcs12 import KeyFile, KeyFileError

PASSWORD_ATTEMPTS = 3


@dataclass(frozen=True)
class SignRequest:
    """What the person choosing a key is told about a page's request."""

    origin: str | None  # the page's origin, as the browser sent it
    what: str  # "sign 2 documents (CMS, detached)", "show a key's certificate"
    oids: tuple[str, ...]  # the key's certificate must carry each of these
    documents: tuple[bytes, ...] = ()  # the bytes (or hashes) to be signed


class Refusal(StrEnum):
    CANCELED = "canceled"
    WRONG_PASSWORD = "wrong_password"  # noqa: S105 - the name of a refusal, not a password
    NO_MATCHING_KEY = "no_matching_key"
    NO_KEY = "no_key"


class Refused(Exception):
    def __init__(self, reason: Refusal, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class KeyChooser(Protocol):
    def choose(self, request: SignRequest) -> KeyFile:
        """The key that answers ``request``, opened; or :class:`Refused`."""
        ...


def _checked(key: KeyFile, name: str, request: SignRequest) -> KeyFile:
    if not offers(key.certificate, request.oids):
        raise Refused(
            Refusal.NO_MATCHING_KEY,
            f"{name} ({describe(key.certificate)}) lacks what the page asks for: "
            f"{describe_oids(request.oids)}",
        )
    return key


@dataclass(frozen=True)
class Unattended:
    """Answers without asking anyone: with the key file ``key`` (its file name, with or
    without the suffix, or its certificate's serial in hex), opened with ``password``; or, with
    ``cancel``, refuses every request as a user pressing Cancel would."""

    folder: KeyFolder
    key: str | None
    password: str | None
    cancel: bool = False

    def _open(self) -> tuple[str, KeyFile]:
        if self.key is None or self.password is None:
            raise Refused(Refusal.NO_KEY, "no key chosen (--choose) or no --password-file")
        named = self.folder.named(self.key)
        if named is not None:
            try:
                return named.name, open_key(named, self.password)
            except KeyFileError:
                raise Refused(
                    Refusal.WRONG_PASSWORD, f"{named.name} does not open with the password"
                ) from None
        wanted = self.key.lower().removeprefix("0x")
        for path in self.folder.files():
            try:
                key = open_key(path, self.password)
            except KeyFileError:
                continue  # another person's file, another password: not the one named
            if serial_hex(key.certificate) == wanted:
                return path.name, key
        raise Refused(
            Refusal.NO_KEY,
            f"no key file named {self.key!r} and none with that serial opens with the "
            f"password in {self.folder.directory}",
        )

    def choose(self, request: SignRequest) -> KeyFile:
        if self.cancel:
            raise Refused(Refusal.CANCELED, "--cancel: every request is canceled")
        name, key = self._open()
        return _checked(key, name, request)


def _fingerprint(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class TerminalChooser:
    """Asks the person at the terminal: shows the request (the page's origin, what is to be
    signed, with each document's size and SHA-256, and the kind of key asked for), lists the
    key files (with the certificate of each one opened before, and whether it fits), reads a
    choice and the password (not echoed). An empty answer cancels."""

    def __init__(
        self,
        folder: KeyFolder,
        *,
        ask: Callable[[str], str] = input,
        ask_secret: Callable[[str], str] = getpass.getpass,
        say: Callable[[str], None] = print,
    ) -> None:
        self._folder = folder
        self._ask = ask
        self._ask_secret = ask_secret
        self._say = say
        # Certificates of the files opened so far (they cannot be read without the password):
        # shown next to the file the next time.
        self._seen: dict[Path, x509.Certificate] = {}

    def choose(self, request: SignRequest) -> KeyFile:
        self._show(request)
        try:
            while True:
                path = self._pick(request)
                key = self._unlock(path)
                self._seen[path] = key.certificate
                if offers(key.certificate, request.oids):
                    self._say(f"signing with {path.name}: {describe(key.certificate)}")
                    return key
                self._say(
                    f"{path.name} is not a key the page accepts "
                    f"({describe_oids(request.oids)}); choose another, or Enter to cancel"
                )
        except EOFError:
            raise Refused(Refusal.CANCELED, "the terminal was closed") from None

    def _show(self, request: SignRequest) -> None:
        self._say("")
        self._say(f"A page asks to {request.what}.")
        self._say(f"  page:     {request.origin or '(no origin sent)'}")
        self._say(f"  key kind: {describe_oids(request.oids)}")
        for number, document in enumerate(request.documents, start=1):
            digest = _fingerprint(document)
            self._say(f"  document {number}: {len(document)} bytes, SHA-256 {digest}")

    def _pick(self, request: SignRequest) -> Path:
        files = self._folder.files()
        if not files:
            self._say(f"no key files (*.p12, *.pfx) in {self._folder.directory}")
            raise Refused(Refusal.NO_KEY, f"no key files in {self._folder.directory}")
        for number, path in enumerate(files, start=1):
            seen = self._seen.get(path)
            if seen is None:
                note = "not opened yet"
            else:
                fits = "fits" if offers(seen, request.oids) else "does not fit"
                note = f"{describe(seen)}, {fits}"
            self._say(f"  [{number}] {path.name}: {note}")
        while True:
            answer = self._ask("key number (Enter cancels): ").strip()
            if not answer:
                raise Refused(Refusal.CANCELED, "canceled at the terminal")
            if answer.isdigit() and 1 <= int(answer) <= len(files):
                return files[int(answer) - 1]
            self._say(f"type a number from 1 to {len(files)}, or Enter to cancel")

    def _unlock(self, path: Path) -> KeyFile:
        for _ in range(PASSWORD_ATTEMPTS):
            password = self._ask_secret(f"password of {path.name} (Enter cancels): ")
            if not password:
                raise Refused(Refusal.CANCELED, "canceled at the password prompt")
            try:
                return open_key(path, password)
            except KeyFileError:
                self._say("wrong password")
        raise Refused(
            Refusal.WRONG_PASSWORD, f"{PASSWORD_ATTEMPTS} wrong passwords for {path.name}"
        )
