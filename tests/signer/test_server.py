"""The signer over a real WebSocket: it speaks first, answers each request once and in order,
takes a frame of more than 16 MB, serves wss:// with a certificate a client trusting its
authority accepts for 127.0.0.1 and localhost, refuses pages not let in by --origin; and
`egov signer` as a command."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import pty
import re
import select
import signal
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect as sync_connect

from egov.signer.choosers import KeyChooser, SignRequest, Unattended
from egov.signer.keys import KeyFolder
from egov.signer.protocol import Protocol
from egov.signer.server import Listen, run_server
from egov.signer.tls import TlsFiles, ensure_certificate, server_context
from shared.pki.pkcs12 import KeyFile
from tests.signer.conftest import PASSWORD, Keys, egov_signer

DETACHED = {"decode": True, "encapsulate": False, "digested": False}


def sign_request(data: bytes) -> str:
    args = {
        "allowedStorages": None,
        "format": "cms",
        "data": base64.b64encode(data).decode(),
        "signingParams": DETACHED,
        "signerParams": {"extKeyUsageOids": ["1.3.6.1.5.5.7.3.4"]},
        "locale": "ru",
    }
    return json.dumps({"module": "kz.gov.pki.knca.basics", "method": "sign", "args": args})


@asynccontextmanager
async def serving(
    keys: Keys,
    tls: ssl.SSLContext | None = None,
    origins: tuple[str, ...] = (),
    chooser: KeyChooser | None = None,
) -> AsyncIterator[Callable[[str], str]]:
    """The server on a free port; yields a function giving its URL for a host name."""
    chooser = chooser or Unattended(KeyFolder(keys.folder), "alice-sign.p12", PASSWORD)
    stop = asyncio.Event()
    listening: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(
        run_server(
            Listen("127.0.0.1", 0, tls, origins),
            Protocol(chooser),
            "9.9",
            ready=listening.set_result,
            stop=stop,
        )
    )
    url = await asyncio.wait_for(listening, 10)
    port = url.rsplit(":", 1)[1]
    try:
        yield lambda host: f"{'wss' if tls else 'ws'}://{host}:{port}"
    finally:
        stop.set()
        await task


async def greeted(websocket: ClientConnection) -> None:
    assert json.loads(await websocket.recv()) == {"result": {"version": "9.9"}}


async def test_speaks_first_and_answers_each_request_once_in_order(keys: Keys) -> None:
    async with serving(keys) as url, connect(url("127.0.0.1")) as websocket:
        await greeted(websocket)
        probe = json.dumps({"module": "kz.digiflow.mobile.extensions", "method": "getVersion"})
        tokens = json.dumps({"module": "kz.gov.pki.knca.commonUtils", "method": "getActiveTokens"})
        # Sent back to back: the replies come one per request, in the requests' order.
        for request in (probe, tokens, sign_request(b"one"), tokens):
            await websocket.send(request)
        replies = [json.loads(await websocket.recv()) for _ in range(4)]
        assert replies[0]["code"] == "500"
        assert replies[1] == {"code": "200", "responseObject": []}
        assert keys.verifier.verify_document(b"one", replies[2]["body"]["result"]).ok
        assert replies[3] == replies[1]
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(websocket.recv(), 0.3)  # nothing unasked for


class SlowPerson:
    """A person who answers the signer's prompt only when told to."""

    def __init__(self, keys: Keys) -> None:
        self._key = Unattended(KeyFolder(keys.folder), "alice-sign.p12", PASSWORD)
        self.asked: list[SignRequest] = []
        self.prompted = threading.Event()
        self.answer = threading.Event()

    def choose(self, request: SignRequest) -> KeyFile:
        self.asked.append(request)
        self.prompted.set()
        self.answer.wait(10)
        return self._key.choose(request)


async def test_a_page_that_goes_away_leaves_its_prompt_and_the_next_waits(keys: Keys) -> None:
    person = SlowPerson(keys)
    async with serving(keys, chooser=person) as url:
        async with connect(url("127.0.0.1")) as gone:
            await greeted(gone)
            await gone.send(sign_request(b"first"))
            assert await asyncio.to_thread(person.prompted.wait, 10)
        # The first page closed with its prompt open; the next request waits for that prompt.
        async with connect(url("127.0.0.1")) as websocket:
            await greeted(websocket)
            await websocket.send(sign_request(b"second"))
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(websocket.recv(), 0.3)
            assert len(person.asked) == 1
            person.answer.set()
            reply = json.loads(await asyncio.wait_for(websocket.recv(), 10))
    assert keys.verifier.verify_document(b"second", reply["body"]["result"]).ok
    assert [r.documents for r in person.asked] == [(b"first",), (b"second",)]


async def test_a_frame_of_more_than_16_megabytes_is_signed(keys: Keys) -> None:
    document = bytes(range(256)) * (13 * 4096)  # 13 MiB, about 17.7 MB of base64
    async with serving(keys) as url, connect(url("127.0.0.1"), max_size=None) as websocket:
        await greeted(websocket)
        await websocket.send(sign_request(document))
        reply = json.loads(await websocket.recv())
    assert keys.verifier.verify_document(document, reply["body"]["result"]).ok


async def test_wss_with_a_certificate_its_authority_vouches_for(keys: Keys, tmp_path: Path) -> None:
    files = TlsFiles.under(tmp_path / "state")
    assert ensure_certificate(files) is True
    assert ensure_certificate(files) is False  # kept, not made again
    assert oct(files.key.stat().st_mode & 0o777) == "0o600"
    assert oct(files.directory.stat().st_mode & 0o777) == "0o700"
    client = ssl.create_default_context(cafile=files.authority)
    async with serving(keys, server_context(files)) as url:
        for host in ("127.0.0.1", "localhost"):
            async with connect(url(host), ssl=client) as websocket:
                await greeted(websocket)
        with pytest.raises(ssl.SSLCertVerificationError):
            async with connect(url("127.0.0.1"), ssl=ssl.create_default_context()):
                pass


async def test_only_the_origins_let_in_may_connect(keys: Keys) -> None:
    async with serving(keys, origins=("https://portal.test",)) as url:
        async with connect(url("127.0.0.1"), origin="https://portal.test") as websocket:
            await greeted(websocket)
        with pytest.raises(InvalidStatus) as refused:
            async with connect(url("127.0.0.1"), origin="https://elsewhere.test"):
                pass
    assert refused.value.response.status_code == 403


async def test_egov_signer_command_signs_unattended_and_logs_no_password(keys: Keys) -> None:
    with egov_signer(
        "--keys", keys.folder, "--choose", "alice-sign", "--password-file", keys.password_file
    ) as running:
        async with connect(running.url) as websocket:
            greeting = json.loads(await websocket.recv())
            assert greeting["result"]["version"]
            await websocket.send(sign_request(b"by the command"))
            reply = json.loads(await websocket.recv())
        assert keys.verifier.verify_document(b"by the command", reply["body"]["result"]).ok
        logged = running.logged()
    events = [json.loads(line)["event"] for line in logged.splitlines()]
    assert {"signer.listening", "signer.connected", "signer.signed"} <= set(events)
    assert PASSWORD not in logged


def test_egov_signer_without_a_terminal_needs_an_unattended_choice(tmp_path: Path) -> None:
    egov = str(Path(sys.executable).with_name("egov"))
    done = subprocess.run(
        [egov, "signer", "--insecure-ws", "--state-dir", tmp_path / "state"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 2
    assert "--choose and --password-file" in done.stderr


def test_egov_signer_trust_says_where_the_authority_is(tmp_path: Path) -> None:
    egov = str(Path(sys.executable).with_name("egov"))
    state = tmp_path / "state"
    done = subprocess.run(
        [egov, "signer", "trust", "--state-dir", state],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    authority = TlsFiles.under(state).authority
    assert f"certificate authority is {authority}" in done.stdout
    assert f'certutil -d sql:$HOME/.pki/nssdb -A -t "C,," -n "egov signer" -i {authority}' in (
        done.stdout
    )
    assert "update-ca-certificates" in done.stdout
    assert oct(state.stat().st_mode & 0o777) == "0o700"


def test_ctrl_c_stops_the_signer_with_a_prompt_open(keys: Keys, tmp_path: Path) -> None:
    # At a terminal, a prompt waits for the person while the page waits for the answer;
    # Ctrl-C must still stop the signer, promptly.
    egov = str(Path(sys.executable).with_name("egov"))
    args = [egov, "signer", "--insecure-ws", "--port", "0", "--keys", str(keys.folder)]
    pid, terminal = pty.fork()
    if pid == 0:  # the child: egov signer with the pty as its terminal
        os.execv(egov, [*args, "--state-dir", str(tmp_path / "state")])  # noqa: S606
    seen = bytearray()

    def read(wait_s: float) -> None:
        if select.select([terminal], [], [], wait_s)[0]:
            with contextlib.suppress(OSError):  # EIO once the child has gone
                seen.extend(os.read(terminal, 65536))

    def until(pattern: bytes, timeout_s: float = 30.0) -> None:
        deadline = time.monotonic() + timeout_s
        while pattern not in seen and time.monotonic() < deadline:
            read(0.1)
        assert pattern in seen, seen.decode(errors="replace")

    try:
        until(b", keys in ")
        found = re.search(rb"listening on (ws://[^,\s]+),", seen)
        assert found is not None, seen
        with sync_connect(found.group(1).decode()) as page:  # stays connected, waiting
            assert "version" in json.loads(page.recv(10))["result"]
            page.send(sign_request(b"at the terminal"))
            until(b"key number (Enter cancels)")
            stopped_at = time.monotonic()
            os.kill(pid, signal.SIGINT)
            status = None
            while status is None and time.monotonic() < stopped_at + 10:
                done, code = os.waitpid(pid, os.WNOHANG)
                status = code if done else None
                read(0.1)
            assert status is not None, "egov signer did not stop on Ctrl-C with a prompt open"
            assert os.waitstatus_to_exitcode(status) == 0
            assert time.monotonic() - stopped_at < 5
    finally:
        with contextlib.suppress(ProcessLookupError, ChildProcessError):
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(terminal)
