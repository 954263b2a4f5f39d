"""The locks against pyproject.toml, offline. `make install` installs requirements/dev.txt and
deploy/Dockerfile requirements/runtime.txt, both with --require-hashes; `make lock` writes them
from pyproject.toml. These tests fail when the two drift apart: a requirement pyproject.toml
names that is not pinned, or pinned at a version its specifier no longer allows, a pin without
hashes, a runtime pin that differs from the dev lock's."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENTS = ROOT / "requirements"
DEV_LOCK = REQUIREMENTS / "dev.txt"
RUNTIME_LOCK = REQUIREMENTS / "runtime.txt"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PROJECT = canonicalize_name(PYPROJECT["project"]["name"])

# What make lock resolves for (uv's --python-version 3.11 --python-platform
# x86_64-unknown-linux-gnu): a requirement whose marker is false there is not locked.
TARGET = {
    "python_version": "3.11",
    "python_full_version": "3.11.2",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "os_name": "posix",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "x86_64",
}
HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}")


@dataclass(frozen=True)
class Pin:
    name: NormalizedName
    version: Version
    line: int
    hashes: frozenset[str]
    # Named in pyproject.toml itself: uv's "# via egov-sim (pyproject.toml...)" annotation.
    direct: bool = field(default=False, compare=False)


def read_lock(path: Path) -> dict[NormalizedName, Pin]:
    """The pins of a lock as make lock writes it: `name==version`, continued with backslashes
    by its `--hash=sha256:...` options, then uv's `# via` comments. Anything else (a range, a URL,
    `-e`, an index option) fails here: a lock holds exact pins with hashes only."""
    pins: dict[NormalizedName, Pin] = {}
    current: list[str] = []
    start = 0
    last: NormalizedName | None = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = raw.strip()
        if not current and (not text or text.startswith("#")):
            if last is not None and f"{PROJECT} (pyproject.toml" in text:
                pins[last] = replace(pins[last], direct=True)
            continue
        if not current:
            start = number
        current.append(text.removesuffix("\\").strip())
        if text.endswith("\\"):
            continue
        requirement, *options = re.split(r"\s+(?=--)", " ".join(current))
        current = []
        where = f"{path.name}:{start}"
        assert not requirement.startswith("-"), f"{where}: {requirement!r} in a lock"
        req = Requirement(requirement)
        specifiers = list(req.specifier)
        assert req.url is None, f"{where}: {requirement!r} is a URL, not a pin"
        assert len(specifiers) == 1, f"{where}: {requirement!r} is not one exact pin"
        assert specifiers[0].operator == "==", f"{where}: {requirement!r} is not pinned with =="
        assert "*" not in specifiers[0].version, f"{where}: {requirement!r} pins no one version"
        for option in options:
            assert HASH.fullmatch(option), f"{where}: {option!r} is not a sha256 hash"
        name = canonicalize_name(req.name)
        assert name not in pins, f"{where}: {name} is pinned twice"
        pins[name] = Pin(name, Version(specifiers[0].version), start, frozenset(options))
        last = name
    assert not current, f"{path.name}: ends inside a continued line"
    return pins


def _requirements(*, dev: bool) -> list[Requirement]:
    """What pyproject.toml asks for in a lock: the runtime dependencies, the dev extra for the
    dev lock, and what installs the project itself (the build group and [build-system])."""
    texts = [
        *PYPROJECT["project"]["dependencies"],
        *(PYPROJECT["project"]["optional-dependencies"]["dev"] if dev else []),
        *PYPROJECT["dependency-groups"]["build"],
        *PYPROJECT["build-system"]["requires"],
    ]
    return [Requirement(text) for text in texts]


def _extra_requirements(req: Requirement, pin: Pin) -> list[Requirement]:
    """What the extras of `req` add (eventsourcing[postgres]: psycopg[pool]), read offline from
    the installed distribution's metadata: the suite runs in the venv make install built from
    the dev lock, so that distribution is the pinned one. Returned with their markers evaluated
    (and removed)."""
    if not req.extras:
        return []
    installed = Version(metadata.version(req.name))
    assert installed == pin.version, f"{req.name} {installed} installed, {pin.version} locked"
    added = []
    for text in metadata.requires(req.name) or []:
        extra_req = Requirement(text)
        marker = extra_req.marker
        if marker is not None and any(
            marker.evaluate({**TARGET, "extra": extra}) for extra in req.extras
        ):
            extra_req.marker = None
            added.append(extra_req)
    return added


LOCKS = {
    "dev": (DEV_LOCK, _requirements(dev=True)),
    "runtime": (RUNTIME_LOCK, _requirements(dev=False)),
}


@pytest.mark.parametrize("lock", LOCKS)
def test_every_requirement_of_pyproject_is_pinned_at_a_version_it_allows(lock: str) -> None:
    path, requirements = LOCKS[lock]
    pins = read_lock(path)
    missing, outside = [], []
    queue = list(requirements)
    while queue:
        req = queue.pop()
        if req.marker is not None and not req.marker.evaluate({**TARGET, "extra": ""}):
            continue
        pin = pins.get(canonicalize_name(req.name))
        if pin is None:
            missing.append(str(req))
            continue
        if not req.specifier.contains(pin.version, prereleases=True):
            outside.append(f"{req} (locked {pin.version}, {path.name}:{pin.line})")
        queue.extend(_extra_requirements(req, pin))
    assert missing == [], f"not pinned in {path.name}; run `make lock`: {missing}"
    assert outside == [], f"pinned outside pyproject.toml's range; run `make lock`: {outside}"


@pytest.mark.parametrize("lock", LOCKS)
def test_every_pin_has_a_sha256_hash(lock: str) -> None:
    path, _ = LOCKS[lock]
    pins = read_lock(path)
    assert len(pins) > 10, f"{path.name} holds almost nothing"
    assert [f"{p.name} ({path.name}:{p.line})" for p in pins.values() if not p.hashes] == []


@pytest.mark.parametrize("lock", LOCKS)
def test_what_the_lock_takes_from_pyproject_is_still_in_pyproject(lock: str) -> None:
    """A dependency removed from pyproject.toml leaves the lock with make lock, not later."""
    path, requirements = LOCKS[lock]
    named = {canonicalize_name(req.name) for req in requirements}
    stale = [p.name for p in read_lock(path).values() if p.direct and p.name not in named]
    assert stale == [], f"{path.name} pins these for pyproject.toml, which no longer names them"


def test_the_runtime_lock_is_the_dev_locks_runtime_part_at_the_same_pins() -> None:
    """The image runs the versions the suite ran against."""
    dev = read_lock(DEV_LOCK)
    runtime = read_lock(RUNTIME_LOCK)
    assert sorted(set(runtime) - set(dev)) == []
    differ = [
        f"{name}: {pin.version} in runtime.txt, {dev[name].version} in dev.txt"
        for name, pin in runtime.items()
        if (pin.version, pin.hashes) != (dev[name].version, dev[name].hashes)
    ]
    assert differ == [], "run `make lock`"


def test_the_installs_read_the_locks() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^LOCK\s*=\s*requirements/dev\.txt$", makefile, re.MULTILINE)
    assert re.search(r"^RUNTIME_LOCK\s*=\s*requirements/runtime\.txt$", makefile, re.MULTILINE)
    stamp = re.search(r"^\$\(STAMP\):(.*)$", makefile, re.MULTILINE)
    assert stamp is not None
    assert "$(LOCK)" in stamp.group(1).split(), "a changed lock must install again"
    assert "pip install --require-hashes --progress-bar off -r $(LOCK)" in makefile
    assert "pip install --no-deps --no-build-isolation --progress-bar off -e ." in makefile

    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text(encoding="utf-8")
    assert "COPY requirements/runtime.txt ./requirements/" in dockerfile
    assert re.search(
        r"\bpip (install|wheel) .*--require-hashes .*-r requirements/runtime\.txt", dockerfile
    )
    # The project itself, built or installed with nothing more (its dependencies are the lock's).
    assert re.search(r"\bpip (install|wheel) .*--no-deps .*\s\.$", dockerfile, re.MULTILINE)


@pytest.mark.parametrize(
    "text",
    [
        "fastapi>=0.115 \\\n    --hash=sha256:" + "a" * 64,
        "fastapi==0.115.*",
        "fastapi==0.115.0 \\\n    --hash=md5:" + "a" * 32,
        "fastapi==0.115.0\nfastapi==0.115.0",
        "-e .",
        "--index-url https://example.invalid/simple",
        "egov-sim @ file:///src",
    ],
    ids=["range", "wildcard", "md5", "twice", "editable", "index", "url"],
)
def test_the_reader_refuses_what_is_no_pin(tmp_path: Path, text: str) -> None:
    lock = tmp_path / "lock.txt"
    lock.write_text(text + "\n", encoding="utf-8")
    with pytest.raises(AssertionError):
        read_lock(lock)


def test_the_reader_sees_a_pin_without_hashes_and_markers_for_another_platform(
    tmp_path: Path,
) -> None:
    lock = tmp_path / "lock.txt"
    lock.write_text("# via nothing\nfastapi==0.115.0\n", encoding="utf-8")
    assert read_lock(lock)[canonicalize_name("fastapi")].hashes == frozenset()
    assert Marker('sys_platform == "win32"').evaluate(TARGET) is False
    assert Marker('python_version < "3.12"').evaluate(TARGET) is True
