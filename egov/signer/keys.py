"""The user's key files: PKCS#12 files in a folder, and which of them a page's request may use.

A page names the purposes and holder types it wants as OIDs (NCALayer's ``extKeyUsageOids``);
a key is offered only if its certificate carries every one of them, in its extended key usage
(purposes, НУЦ's holder types) or its certificate policies (shared.pki.certinfo).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509

from shared.pki import oids
from shared.pki.certinfo import certificate_oids, identity_of
from shared.pki.pkcs12 import KeyFile, load_pkcs12
from shared.pki.profiles import EntityRole

KEY_SUFFIXES = (".p12", ".pfx")

# What the OIDs a page may ask for mean, for the person choosing a key.
OID_NAMES: dict[str, str] = {
    oids.EKU_SIGNING.dotted_string: "document signing",
    oids.EKU_AUTH.dotted_string: "authentication",
    oids.HOLDER_INDIVIDUAL.dotted_string: "individual",
    oids.HOLDER_LEGAL_ENTITY.dotted_string: "legal entity",
    EntityRole.FIRST_HEAD.holder_oid.dotted_string: "first head",
    EntityRole.SIGNER.holder_oid.dotted_string: "right to sign",
    EntityRole.FINANCE.holder_oid.dotted_string: "finance",
    EntityRole.HR.holder_oid.dotted_string: "HR",
    EntityRole.EMPLOYEE.holder_oid.dotted_string: "employee",
}


def describe_oids(wanted: Iterable[str]) -> str:
    names = [f"{OID_NAMES.get(oid, 'other')} ({oid})" for oid in wanted]
    return ", ".join(names) or "any key"


def offers(certificate: x509.Certificate, wanted: Iterable[str]) -> bool:
    """Whether a key with ``certificate`` may answer a request for ``wanted`` OIDs."""
    return set(wanted) <= certificate_oids(certificate)


def describe(certificate: x509.Certificate) -> str:
    identity = identity_of(certificate)
    held = [
        f"IIN {identity.iin}" if identity.iin else "",
        f"BIN {identity.bin}" if identity.bin else "",
        f"serial {identity.serial}",
        f"valid until {certificate.not_valid_after_utc.date().isoformat()}",
    ]
    return f"{identity.subject} ({', '.join(h for h in held if h)})"


@dataclass(frozen=True)
class KeyFolder:
    """The folder of the user's PKCS#12 key files (``--keys``)."""

    directory: Path

    def files(self) -> list[Path]:
        if not self.directory.is_dir():
            return []
        return sorted(
            p
            for p in self.directory.iterdir()
            if p.suffix.lower() in KEY_SUFFIXES and p.is_file() and not p.is_symlink()
        )

    def named(self, name: str) -> Path | None:
        """The key file called ``name`` (with or without its suffix), if there is one."""
        return next((p for p in self.files() if name in (p.name, p.stem)), None)


def open_key(path: Path, password: str) -> KeyFile:
    """The key file at ``path``; :class:`~shared.pki.pkcs12.KeyFileError` for a wrong
    password or an unreadable file."""
    return load_pkcs12(path.read_bytes(), password=password)
