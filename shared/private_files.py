"""Writing a secret to disk: private keys (PKCS#12, PEM), their password files, environment files
that may hold a database password. Every such file the project writes goes through
:func:`write_private`.

The file is created with mode 0600 by ``os.open`` itself, so there is no moment at which it
exists with the process's umask (0644 by default) and another user could open it; it is written
under a temporary name in the same directory and renamed over ``path``, so a reader never sees
half a key; and a symbolic link at ``path`` is refused rather than followed: a link planted there
by someone else would otherwise decide where the key lands (and, replaced by the rename, would
hide that it happened).
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

OWNER_ONLY = 0o600
PRIVATE_DIRECTORY = 0o700


class PrivateFileError(OSError):
    """``path`` cannot hold a private file (a symbolic link, or not a regular file)."""


def write_private(path: Path, data: bytes, *, private_directory: bool = False) -> Path:
    """Write ``data`` to ``path`` readable and writable by the owner only (0600) from its
    creation, replacing an existing regular file atomically; returns ``path``.

    Refuses (:class:`PrivateFileError`) when ``path`` is a symbolic link or something other
    than a regular file. The parent directory is created if missing; with
    ``private_directory`` it is also made 0700 (a directory of key files)."""
    directory = path.parent
    directory.mkdir(parents=True, exist_ok=True)
    if private_directory:
        os.chmod(directory, PRIVATE_DIRECTORY)
    try:
        existing = os.lstat(path)
    except FileNotFoundError:
        pass
    else:
        if stat.S_ISLNK(existing.st_mode):
            raise PrivateFileError(
                f"{path} is a symbolic link; a key or password is not written through a link "
                "(remove it, or choose another path)"
            )
        if not stat.S_ISREG(existing.st_mode):
            raise PrivateFileError(f"{path} exists and is not a regular file")
    temporary = directory / f".{path.name}.{secrets.token_hex(6)}.tmp"
    # O_EXCL with O_CREAT never follows a link and never opens a file that already exists;
    # O_NOFOLLOW says the same for systems where the two are documented separately.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(temporary, flags, OWNER_ONLY)
    try:
        # The mode given to os.open is masked by the umask, which can only remove bits: 0600
        # or less. fchmod makes it exactly 0600 (the owner must be able to read it back).
        os.fchmod(fd, OWNER_ONLY)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)  # replaces a link planted since the check, never follows it
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path
