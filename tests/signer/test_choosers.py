"""Choosing a key at the terminal: what the person is shown, picking and unlocking a key, trying
again after a wrong password or an unsuitable key, and cancelling."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest

from egov.signer.choosers import Refusal, Refused, SignRequest, TerminalChooser
from egov.signer.keys import KeyFolder
from tests.signer.conftest import PASSWORD, Keys

SIGN_PERSON = ("1.3.6.1.5.5.7.3.4", "1.2.398.3.3.4.1.1")
DOCUMENT = b"the request"
REQUEST = SignRequest("https://portal.test", "sign 1 document", SIGN_PERSON, (DOCUMENT,))


class Terminal:
    """Scripted answers; what the chooser says is kept."""

    def __init__(self, answers: list[str], secrets: list[str]) -> None:
        self._answers: Iterator[str] = iter(answers)
        self._secrets: Iterator[str] = iter(secrets)
        self.said: list[str] = []

    def feed(self, answers: list[str]) -> None:
        """The answers to the next prompts; what was said so far is forgotten."""
        self._answers = iter(answers)
        self.said = []

    def ask(self, prompt: str) -> str:
        self.said.append(prompt)
        return next(self._answers)

    def ask_secret(self, prompt: str) -> str:
        self.said.append(prompt)
        return next(self._secrets)

    def say(self, text: str) -> None:
        self.said.append(text)

    def chooser(self, keys: Keys) -> TerminalChooser:
        return TerminalChooser(
            KeyFolder(keys.folder), ask=self.ask, ask_secret=self.ask_secret, say=self.say
        )

    @property
    def text(self) -> str:
        return "\n".join(self.said)


def test_shows_the_request_and_signs_with_the_key_picked(keys: Keys) -> None:
    # Files are listed by name: alice-auth.p12 [1], alice-sign.p12 [2], head-sign.p12 [3].
    terminal = Terminal(["2"], [PASSWORD])
    key = terminal.chooser(keys).choose(REQUEST)
    assert key.certificate == keys.certificates["alice-sign.p12"]
    assert "https://portal.test" in terminal.text
    assert hashlib.sha256(DOCUMENT).hexdigest() in terminal.text
    assert "document signing (1.3.6.1.5.5.7.3.4), individual (1.2.398.3.3.4.1.1)" in terminal.text
    assert "[3] head-sign.p12: not opened yet" in terminal.text
    assert PASSWORD not in terminal.text


def test_wrong_password_is_asked_again_then_refused(keys: Keys) -> None:
    terminal = Terminal(["2"], ["wrong", PASSWORD])
    assert terminal.chooser(keys).choose(REQUEST).certificate == keys.certificates["alice-sign.p12"]
    assert terminal.said.count("wrong password") == 1
    three = Terminal(["2"], ["a", "b", "c"])
    with pytest.raises(Refused) as refused:
        three.chooser(keys).choose(REQUEST)
    assert refused.value.reason is Refusal.WRONG_PASSWORD


def test_an_unsuitable_key_is_said_and_another_can_be_picked(keys: Keys) -> None:
    terminal = Terminal(["1", "2"], [PASSWORD, PASSWORD])
    chooser = terminal.chooser(keys)
    assert chooser.choose(REQUEST).certificate == keys.certificates["alice-sign.p12"]
    assert "alice-auth.p12 is not a key the page accepts" in terminal.text
    # The next request lists what the opened files are and whether they fit.
    terminal.feed([""])
    with pytest.raises(Refused):
        chooser.choose(REQUEST)
    assert "[1] alice-auth.p12: СЕЙТҚАЛИЕВА АЙГЕРІМ (IIN 900101300126" in terminal.text
    assert "does not fit" in terminal.text
    assert "[2] alice-sign.p12: СЕЙТҚАЛИЕВА АЙГЕРІМ" in terminal.text


@pytest.mark.parametrize(
    ("answers", "secrets"),
    [([""], []), (["2"], [""]), (["9", "x", ""], [])],
    ids=["at-the-list", "at-the-password", "after-bad-numbers"],
)
def test_enter_cancels(keys: Keys, answers: list[str], secrets: list[str]) -> None:
    with pytest.raises(Refused) as refused:
        Terminal(answers, secrets).chooser(keys).choose(REQUEST)
    assert refused.value.reason is Refusal.CANCELED


def test_a_closed_terminal_cancels_and_an_empty_folder_refuses(keys: Keys) -> None:
    def closed(prompt: str) -> str:
        raise EOFError

    chooser = TerminalChooser(KeyFolder(keys.folder), ask=closed, say=lambda _: None)
    with pytest.raises(Refused) as refused:
        chooser.choose(REQUEST)
    assert refused.value.reason is Refusal.CANCELED
    empty = TerminalChooser(KeyFolder(keys.folder / "none"), say=lambda _: None)
    with pytest.raises(Refused) as nothing:
        empty.choose(REQUEST)
    assert nothing.value.reason is Refusal.NO_KEY
