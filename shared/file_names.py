"""The one check of a document's file name, for every intake (the portal's attachments, the
PSC desk, E-licensing's and the workstation's staff intakes). The name travels with the
document to a workstation, which may save it under that name and show it in a header."""

from __future__ import annotations

import unicodedata

MAX_FILE_NAME = 200


def unfit_file_name(name: str) -> str | None:
    """Why ``name`` cannot be a document's file name, or None: 1-200 characters, no path
    (separators, "." or ".."), and no control or invisible format characters (CR/LF would
    split a header, U+202E shows "fdp.exe" as "exe.pdf")."""
    if not name.strip() or len(name) > MAX_FILE_NAME:
        return f"must have 1-{MAX_FILE_NAME} characters"
    if "/" in name or "\\" in name or name.strip() in {".", ".."}:
        return "is a path, not a name"
    for char in name:
        if unicodedata.category(char) in {"Cc", "Cf"}:
            return f"holds the control or format character U+{ord(char):04X}"
    return None
