"""Key files: password-protected PKCS#12 that we and openssl can open."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from shared.pki.keys import KeyAlgorithm
from shared.pki.pkcs12 import KeyFileError, dump_pkcs12, load_pkcs12
from tests.pki.conftest import CaPair, IssueFn


@pytest.mark.parametrize("algorithm", [KeyAlgorithm.ES256, KeyAlgorithm.RS256])
def test_round_trip_keeps_key_certificate_and_chain(
    test_ca: CaPair, issue: IssueFn, algorithm: KeyAlgorithm
) -> None:
    issued = issue(algorithm=algorithm)
    chain = (test_ca.issuing.certificate, test_ca.root.certificate)
    data = dump_pkcs12(issued.key, issued.certificate, chain, password="s3cret")
    loaded = load_pkcs12(data, password="s3cret")
    assert loaded.certificate == issued.certificate
    assert loaded.chain == chain
    assert loaded.key.public_key().public_numbers() == issued.key.public_key().public_numbers()


def test_wrong_password_is_a_named_error(issue: IssueFn) -> None:
    issued = issue()
    data = dump_pkcs12(issued.key, issued.certificate, (), password="right")
    with pytest.raises(KeyFileError, match="wrong password or corrupt"):
        load_pkcs12(data, password="wrong")


def test_empty_password_is_refused(issue: IssueFn) -> None:
    issued = issue()
    with pytest.raises(ValueError, match="non-empty password"):
        dump_pkcs12(issued.key, issued.certificate, (), password="")


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_openssl_opens_the_key_file(tmp_path: Path, test_ca: CaPair, issue: IssueFn) -> None:
    issued = issue()
    path = tmp_path / "key.p12"
    path.write_bytes(
        dump_pkcs12(issued.key, issued.certificate, (test_ca.issuing.certificate,), password="pw")
    )
    result = subprocess.run(
        ["openssl", "pkcs12", "-in", str(path), "-passin", "pass:pw", "-nokeys", "-clcerts"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "subject=" in result.stdout
    assert "IIN900101300126" in result.stdout
