"""Key material the client signs with: certificates issued on the fly by the running НУЦ
(registry_svc ``POST /ca/certificates``), and the system key that authenticates those calls."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from shared.pki.jws import JwsSigner
from shared.pki.pkcs12 import KeyFileError, load_pkcs12
from shared.private_files import write_private

# The registry answers only signed callers (registry_svc/entrypoints/api.py). The client signs
# its CA and registry calls with the portal's provisioned system key: every topology started by
# ``egov run`` / ``egov up`` has it under ``<data dir>/keys/portal/`` (egov/provisioning.py).
ADMIN_GROUP = "portal"


class KeyMaterialError(ValueError):
    """A key file that is missing or cannot be opened."""


@dataclass(frozen=True)
class IssuedKey:
    """A certificate the НУЦ issued, with its PKCS#12 file and an open signer."""

    serial: str  # hexadecimal, as the CA's API names it
    subject: str
    signer: JwsSigner
    pkcs12: bytes
    password: str

    @property
    def iin(self) -> str | None:
        return self.signer.identity.iin

    @property
    def bin(self) -> str | None:
        return self.signer.identity.bin

    def write(self, path: Path) -> Path:
        """Save the PKCS#12 file (owner-only from creation, atomically, never through a link),
        e.g. for ``egov portal submit --p12``."""
        return write_private(path, self.pkcs12)


def signer_from_pkcs12(data: bytes, password: str, *, source: str = "key file") -> JwsSigner:
    try:
        return JwsSigner.from_key_file(load_pkcs12(data, password=password))
    except KeyFileError as exc:
        raise KeyMaterialError(f"{source}: {exc}") from None


def admin_signer(data_dir: Path, group: str = ADMIN_GROUP) -> JwsSigner:
    """The provisioned system key of ``group`` under ``data_dir`` (``keys/<group>/<group>.p12``
    opened with ``keys/<group>/password``)."""
    directory = data_dir / "keys" / group
    key_file, password_file = directory / f"{group}.p12", directory / "password"
    try:
        data, password = key_file.read_bytes(), password_file.read_text(encoding="utf-8")
    except OSError as exc:
        raise KeyMaterialError(
            f"no provisioned key for {group!r} under {data_dir} ({exc.strerror}: {exc.filename});"
            " the client signs its CA and registry calls with it: point it at the data "
            "directory of the running topology"
        ) from None
    return signer_from_pkcs12(data, password.strip(), source=str(key_file))
