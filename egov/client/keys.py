"""Key material the client signs with: certificates issued on the fly by the running НУЦ
(registry_svc ``POST /ca/certificates``), and the operators' keys that authenticate the calls
only an operator may make (shared.authz): the registration authority's (issuing, revoking,
registering people), the gateway operator's (message log, parked messages) and the simulation
operator's (moving the simulated clock)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from shared.pki.jws import JwsSigner
from shared.pki.pkcs12 import KeyFileError, load_pkcs12
from shared.private_files import write_private

# Every topology started by ``egov run`` / ``egov up`` / ``egov provision`` has the operators'
# keys under ``<data dir>/keys/operators/`` (egov/provisioning.py OPERATORS).
OPERATORS_GROUP = "operators"
RA_KEY = "ra"  # the registration authority's operator, also a registrar
GATEWAY_OPERATOR_KEY = "gateway-operator"
SIMULATION_OPERATOR_KEY = "simulation-operator"


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


@dataclass(frozen=True)
class OperatorKeys:
    """The signers of the operators' calls; a missing one makes those calls fail clearly."""

    ra: JwsSigner | None = None
    gateway: JwsSigner | None = None
    simulation: JwsSigner | None = None

    @classmethod
    def load(cls, data_dir: Path) -> OperatorKeys:
        """Every operator key provisioned under ``data_dir`` (KeyMaterialError if any is
        missing: a topology provisioned by this version has all three)."""
        return cls(
            ra=operator_signer(data_dir, RA_KEY),
            gateway=operator_signer(data_dir, GATEWAY_OPERATOR_KEY),
            simulation=operator_signer(data_dir, SIMULATION_OPERATOR_KEY),
        )


def admin_signer(data_dir: Path) -> JwsSigner:
    """The registration authority's operator key under ``data_dir``: issuing, revoking and
    registering people go to the НУЦ signed with it."""
    return operator_signer(data_dir, RA_KEY)


def operator_signer(data_dir: Path, name: str) -> JwsSigner:
    """The provisioned operator key ``name`` (``keys/operators/<name>.p12`` opened with
    ``keys/operators/password``)."""
    directory = data_dir / "keys" / OPERATORS_GROUP
    key_file, password_file = directory / f"{name}.p12", directory / "password"
    try:
        data, password = key_file.read_bytes(), password_file.read_text(encoding="utf-8")
    except OSError as exc:
        raise KeyMaterialError(
            f"no provisioned operator key {name!r} under {data_dir} ({exc.strerror}: "
            f"{exc.filename}); the client signs the operators' calls with it: point it at the "
            "data directory of the running topology (egov provision / egov run make it)"
        ) from None
    return signer_from_pkcs12(data, password.strip(), source=str(key_file))
