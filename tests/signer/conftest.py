"""Key files for the signer: a test НУЦ, a person's signing and authentication keys and a legal
entity's first head, as PKCS#12 files in a folder with one password file (the layout of
`egov provision`'s key groups), and a verifier trusting that НУЦ."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import pytest
from cryptography import x509

from shared.clock import SimulatedClock
from shared.pki.ca import issue_certificate
from shared.pki.jws import JwsVerifier
from shared.pki.keys import KeyAlgorithm, generate_private_key
from shared.pki.pkcs12 import dump_pkcs12
from shared.pki.profiles import EntityRole, Holder, KeyPurpose, LegalEntitySigner
from shared.pki.revocation_client import RevocationChecker
from shared.private_files import write_private
from tests.pki.conftest import ALICE, URLS, CaPair, make_ca
from tests.pki.fakes import FakeCaEndpoint

PASSWORD = "Qazaqstan-2019"
HEAD = LegalEntitySigner(ALICE, "050140000656", "Дала Жер", EntityRole.FIRST_HEAD)


@dataclass(frozen=True)
class Keys:
    ca: CaPair
    folder: Path
    password_file: Path
    certificates: dict[str, x509.Certificate]  # by file name
    verifier: JwsVerifier


@pytest.fixture(scope="session")
def signer_ca() -> CaPair:
    return make_ca()


def _write(
    folder: Path, name: str, ca: CaPair, holder: Holder, purpose: KeyPurpose, serial: int
) -> x509.Certificate:
    key = generate_private_key(KeyAlgorithm.ES256)
    certificate = issue_certificate(
        ca.issuing, holder, purpose, key.public_key(), serial=serial, now=datetime.now(UTC),
        urls=URLS,
    )  # fmt: skip
    chain = (ca.issuing.certificate, ca.root.certificate)
    write_private(folder / name, dump_pkcs12(key, certificate, chain, password=PASSWORD))
    return certificate


@pytest.fixture
def keys(tmp_path: Path, signer_ca: CaPair) -> Keys:
    folder = tmp_path / "keys"
    files = {
        "alice-sign.p12": (ALICE, KeyPurpose.SIGNING),
        "alice-auth.p12": (ALICE, KeyPurpose.AUTH),
        "head-sign.p12": (HEAD, KeyPurpose.SIGNING),
    }
    made = {
        name: _write(folder, name, signer_ca, holder, purpose, 7001 + number)
        for number, (name, (holder, purpose)) in enumerate(files.items())
    }
    password_file = write_private(folder / "password", PASSWORD.encode() + b"\n")
    clock = SimulatedClock(datetime.now(UTC))
    checker = RevocationChecker(FakeCaEndpoint(signer_ca, clock), clock)
    verifier = JwsVerifier([signer_ca.root.certificate], clock, checker)
    return Keys(signer_ca, folder, password_file, made, verifier)


@dataclass
class RunningSigner:
    url: str
    process: subprocess.Popen[str]
    log: IO[str]

    def logged(self) -> str:
        """What it has logged so far (JSON lines on its standard error)."""
        self.log.seek(0)
        return self.log.read()


@contextmanager
def egov_signer(*args: str | Path, timeout_s: float = 30.0) -> Iterator[RunningSigner]:
    """``egov signer --insecure-ws --port 0 ARGS`` as a process of its own, until the block
    ends; its URL read from the line it prints when it listens."""
    command = [str(Path(sys.executable).with_name("egov")), "signer", "--insecure-ws"]
    command += ["--port", "0", *map(str, args)]
    # The log goes to a file: a pipe nobody reads would stall the signer once full.
    log = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log, text=True
    )
    assert process.stdout is not None
    deadline = time.monotonic() + timeout_s
    url = None
    while url is None and time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        found = re.search(r"listening on (ws://\S+),", line)
        url = found.group(1) if found else None
    running = RunningSigner(url or "", process, log)
    try:
        if url is None:
            process.kill()
            out, _ = process.communicate()
            raise AssertionError(f"egov signer did not start:\n{out}\n{running.logged()}")
        yield running
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stdout is not None:
            process.stdout.close()
        log.close()
