"""Every private key and password file the project writes is owner-only from its creation and is
never written through a symbolic link: shared.private_files.write_private and each of its
writers (``egov pki issue ... --out``, the client's IssuedKey.write, provisioning, the CA's own
keys, the stack manifest)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from egov.cli import build_cli
from egov.client.keys import IssuedKey
from egov.provisioning import provision
from egov.stack import SERVICES, Stack, StackOptions, write_manifest
from registry_svc.keystore import CaKeyStore
from shared.clock import SimulatedClock
from shared.pki.jws import JwsSigner
from shared.pki.keys import KeyAlgorithm
from shared.pki.pkcs12 import dump_pkcs12, load_pkcs12
from shared.private_files import PrivateFileError, write_private
from tests.pki.conftest import CaPair, IssueFn

START = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    """The usual umask: a file created the ordinary way would be 0644, readable by everyone."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("EGOV_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("EGOV_REGISTRY_EVENT_STORE_URL", f"sqlite:///{tmp_path / 'registry.db'}")
    monkeypatch.delenv("EGOV_AMQP_URL", raising=False)
    return tmp_path


def egov(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(build_cli(), list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_write_private_creates_the_file_owner_only(tmp_path: Path) -> None:
    path = write_private(tmp_path / "keys" / "a.p12", b"secret")
    assert path.read_bytes() == b"secret"
    assert mode(path) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["a.p12"]  # no temporary file left


def test_write_private_replaces_a_world_readable_file_with_an_owner_only_one(
    tmp_path: Path,
) -> None:
    path = tmp_path / "a.p12"
    path.write_bytes(b"old")
    path.chmod(0o644)
    write_private(path, b"new")
    assert (path.read_bytes(), mode(path)) == (b"new", 0o600)


def test_write_private_refuses_a_symbolic_link_and_leaves_its_target_alone(
    tmp_path: Path,
) -> None:
    target = tmp_path / "elsewhere"
    target.write_bytes(b"untouched")
    link = tmp_path / "a.p12"
    link.symlink_to(target)
    with pytest.raises(PrivateFileError, match="symbolic link"):
        write_private(link, b"secret")
    assert target.read_bytes() == b"untouched"
    assert link.is_symlink()
    dangling = tmp_path / "b.p12"
    dangling.symlink_to(tmp_path / "missing")
    with pytest.raises(PrivateFileError, match="symbolic link"):
        write_private(dangling, b"secret")
    assert not (tmp_path / "missing").exists()


def test_write_private_makes_a_key_directory_owner_only_when_asked(tmp_path: Path) -> None:
    write_private(tmp_path / "group" / "password", b"pw", private_directory=True)
    assert mode(tmp_path / "group") == 0o700


def test_egov_pki_issue_person_out_writes_an_owner_only_key_file(cli_env: Path) -> None:
    code, output = egov(
        "pki", "issue", "person", "--iin", "900101300126", "--name", "Оспанов Ерлан",
        "--password", "pw", "--out", "applicant.p12",
    )  # fmt: skip
    assert code == 0, output
    path = cli_env / "applicant.p12"
    assert mode(path) == 0o600
    assert load_pkcs12(path.read_bytes(), password="pw").certificate is not None


def test_egov_pki_issue_refuses_an_out_path_that_is_a_link(cli_env: Path) -> None:
    target = cli_env / "target"
    target.write_bytes(b"untouched")
    (cli_env / "applicant.p12").symlink_to(target)
    code, output = egov(
        "pki", "issue", "person", "--iin", "900101300126", "--name", "Оспанов Ерлан",
        "--password", "pw", "--out", "applicant.p12",
    )  # fmt: skip
    assert code == 1
    assert "symbolic link" in output
    assert target.read_bytes() == b"untouched"


def test_the_default_out_file_is_owner_only_too(cli_env: Path) -> None:
    code, output = egov("pki", "issue", "system", "portal", "--password", "pw")
    assert code == 0, output
    [written] = cli_env.glob("*.p12")
    assert mode(written) == 0o600


async def test_provisioned_key_and_password_files_are_owner_only(tmp_path: Path) -> None:
    provisioned = await provision(
        tmp_path,
        registry_store_url=f"sqlite:///{tmp_path / 'registry.sqlite3'}",
        registry_url="http://127.0.0.1:18084",
        systems=["portal", "gateway"],
        clock=SimulatedClock(START),
    )
    group = provisioned.group("portal")
    assert mode(group.key_file("portal")) == 0o600
    assert mode(group.directory / "password") == 0o600
    assert mode(group.directory) == 0o700


def test_the_ca_keys_are_owner_only(tmp_path: Path) -> None:
    CaKeyStore(tmp_path).create(now=START, algorithm=KeyAlgorithm.ES256)
    for name in ("root", "issuing"):
        assert mode(tmp_path / "ca" / f"{name}.key.pem") == 0o600


def test_the_client_writes_an_issued_key_owner_only(
    tmp_path: Path, issue: IssueFn, test_ca: CaPair
) -> None:
    made = issue()
    data = dump_pkcs12(made.key, made.certificate, (test_ca.issuing.certificate,), password="pw")
    issued = IssuedKey("1", "CN=x", JwsSigner.from_key_file(load_pkcs12(data, password="pw")),
                       data, "pw")  # fmt: skip
    earlier = tmp_path / "applicant.p12"
    earlier.write_bytes(b"an earlier key, world-readable")
    earlier.chmod(0o644)
    issued.write(earlier)
    assert (earlier.read_bytes(), mode(earlier)) == (data, 0o600)


def test_the_stack_manifest_is_owner_only(tmp_path: Path) -> None:
    stack = Stack(
        StackOptions(
            data_dir=tmp_path,
            pg_dsn="postgresql://postgres:secret@127.0.0.1:5432/test",
            amqp_url="amqp://guest:secret@127.0.0.1:5672/",
            ports={s: 20000 + i for i, s in enumerate(SERVICES)},
        )
    )
    path = write_manifest(stack)
    assert mode(path) == 0o600
