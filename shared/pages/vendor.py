"""The pinned, checksummed step that brings the pages' third-party front-end files from the npm
registry (``vendor.json`` beside this module): each package's tarball at its pinned version,
checked against the sha512 integrity the lock names (the registry's own ``dist.integrity``,
Subresource-Integrity form), and only the listed files extracted to
``static/vendor/<package>/``. ``make install`` runs it once; nothing is fetched when a service
runs, and a file already there with the recorded digest is not fetched again.

``python -m shared.pages.vendor`` fetches what is missing; ``--check`` only says what is missing
or different (exit 1), without the network.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import sys
import tarfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent
LOCK = HERE / "vendor.json"
VENDOR = HERE / "static" / "vendor"
MANIFEST = ".manifest.json"  # per package: the version and each file's SHA-256 as extracted
_TIMEOUT_S = 60
_MAX_TARBALL = 32 * 1024 * 1024


class VendorError(RuntimeError):
    """A package could not be brought as its lock says."""


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    integrity: str  # "sha512-<base64>"
    files: tuple[str, ...]
    registry: str

    @property
    def tarball_url(self) -> str:
        short = self.name.rsplit("/", 1)[-1]
        return f"{self.registry}/{self.name}/-/{short}-{self.version}.tgz"

    @property
    def folder(self) -> Path:
        return VENDOR / self.name


def packages(lock: Path = LOCK) -> list[Package]:
    data = json.loads(lock.read_text(encoding="utf-8"))
    registry = str(data["registry"]).rstrip("/")
    return [
        Package(name, str(p["version"]), str(p["integrity"]), tuple(p["files"]), registry)
        for name, p in data["packages"].items()
    ]


def check_integrity(package: Package, tarball: bytes) -> None:
    algorithm, _, expected = package.integrity.partition("-")
    if algorithm != "sha512":
        raise VendorError(f"{package.name}: integrity {algorithm!r} is not sha512")
    found = base64.b64encode(hashlib.sha512(tarball).digest()).decode("ascii")
    if found != expected:
        raise VendorError(
            f"{package.name}@{package.version}: the tarball's sha512 is {found}, the lock "
            f"says {expected}: refusing to use it"
        )


def extract(package: Package, tarball: bytes) -> dict[str, str]:
    """The listed files of ``package`` written to its folder; their SHA-256 by name."""
    wanted = {f"package/{name}": name for name in package.files}
    written: dict[str, str] = {}
    package.folder.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        for member in archive.getmembers():
            name = wanted.get(member.name)
            if name is None or not member.isfile():
                continue
            handle = archive.extractfile(member)
            if handle is None:
                continue
            content = handle.read()
            (package.folder / name).write_bytes(content)
            written[name] = hashlib.sha256(content).hexdigest()
    missing = sorted(set(package.files) - set(written))
    if missing:
        raise VendorError(f"{package.name}@{package.version} has no {', '.join(missing)}")
    manifest = {"version": package.version, "files": written}
    (package.folder / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return written


def current(package: Package) -> bool:
    """Whether the package's folder holds the pinned version's files, unchanged."""
    try:
        manifest = json.loads((package.folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if manifest.get("version") != package.version:
        return False
    recorded: dict[str, str] = manifest.get("files", {})
    for name in package.files:
        path = package.folder / name
        if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != recorded.get(
            name
        ):
            return False
    return True


def fetch(package: Package) -> bytes:
    request = urllib.request.Request(package.tarball_url, headers={"Accept": "*/*"})  # noqa: S310 - a pinned https URL
    try:
        with urllib.request.urlopen(request, timeout=_TIMEOUT_S) as response:  # noqa: S310
            tarball: bytes = response.read(_MAX_TARBALL + 1)
    except OSError as exc:
        raise VendorError(f"{package.name}: cannot fetch {package.tarball_url}: {exc}") from exc
    if len(tarball) > _MAX_TARBALL:
        raise VendorError(f"{package.name}: the tarball is larger than {_MAX_TARBALL} bytes")
    return tarball


def bring(package: Package) -> bool:
    """Fetch, check and extract ``package`` unless it is current; True when it was fetched."""
    if current(package):
        return False
    tarball = fetch(package)
    check_integrity(package, tarball)
    extract(package, tarball)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.pages.vendor", description=__doc__)
    parser.add_argument("--check", action="store_true", help="only report; fetch nothing")
    args = parser.parse_args(argv)
    stale = [p for p in packages() if not current(p)]
    if args.check:
        for p in stale:
            print(f"missing or changed: {p.name}@{p.version}", file=sys.stderr)
        return 1 if stale else 0
    try:
        for p in stale:
            bring(p)
            print(f"vendored {p.name}@{p.version} ({len(p.files)} files)")
    except VendorError as exc:
        print(f"vendor: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
