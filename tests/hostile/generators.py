"""The hostile-input corpus: the data files under ``corpus/`` and what is generated from them
(bodies too large or too deep to keep as files, identifiers with a wrong check digit).

Every item has a name, so a failure names the input that caused it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from shared.ids import Gender, check_digit, make_bin, make_iin

CORPUS = Path(__file__).parent / "corpus"
HUGE_BYTES = 5 * 1024 * 1024  # several MB: every service must refuse it unread (413)
DEEP = 5_000  # deeper than Python's recursion limit
BIG_INT_DIGITS = 5_000  # more than Python's int-from-text limit (4300)


@cache
def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CORPUS / name).read_text(encoding="utf-8"))
    return data


@dataclass(frozen=True)
class Body:
    name: str
    content: bytes
    content_type: str = "application/json"
    expect_code: str | None = None  # the code every JSON endpoint must answer, when fixed


def hostile_strings() -> list[tuple[str, str]]:
    """(name, text): injection strings of every kind, and very long ones."""
    out = [
        (f"{kind}[{i}]", text)
        for kind, texts in load("strings.json").items()
        for i, text in enumerate(texts)
    ]
    out.append(("long[64k]", "Ж" * 65_536))
    out.append(("long[1M-ascii]", "A" * (1024 * 1024 - 64)))
    return out


def bodies() -> list[Body]:
    """Malformed and hostile request bodies (each must be refused, none may cause a 5xx)."""
    injected = {name: text for name, text in hostile_strings() if not name.startswith("long")}
    return [
        Body("broken-json", b'{"iin": "880612400411", "password": '),
        Body("trailing-garbage", b'{"a": 1}}}'),
        Body("json-array", b"[1, 2, 3]"),
        Body("json-null", b"null"),
        Body("json-string", b'"just a string"'),
        Body("json-number", b"12"),
        Body("empty-object", b"{}"),
        Body("extra-fields", b'{"unexpected": true, "__proto__": {"admin": true}}'),
        Body("wrong-types", b'{"iin": 880612400411, "password": ["x"], "form": "x", "service": 7}'),
        Body("nan", b'{"a": NaN, "b": Infinity}'),
        Body("invalid-utf8", b'{"name": "\xff\xfe\xc3\x28"}'),
        Body("utf16-bom", '{"name": "x"}'.encode("utf-16")),
        Body("deep-array", b"[" * DEEP + b"]" * DEEP),
        Body("deep-object", b'{"a":' * DEEP + b"1" + b"}" * DEEP),
        Body("big-integer", b'{"a": ' + b"9" * BIG_INT_DIGITS + b"}"),
        Body(
            "nul-in-fields",
            json.dumps(
                {"iin": "\u0000", "name": "a\u0000", "form": {"x": "\u0000"}, "password": "\u0000"}
            ).encode(),
            expect_code="invalid_characters",
        ),
        Body("duplicate-keys", b'{"iin": "880612400411", "iin": "000000000000"}'),
        Body("injected-values", json.dumps(injected).encode()),
        Body("plain-text", b"hello", "text/plain"),
        Body(
            "xml",
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
            "application/xml",
        ),
        Body(
            "form-urlencoded", b"iin=880612400411&password=x", "application/x-www-form-urlencoded"
        ),
    ]


def huge_body() -> Body:
    return Body("huge-5MiB", b'{"name": "' + b"x" * HUGE_BYTES + b'"}')


def path_segments() -> list[str]:
    """Already percent-encoded path segments (traversal, injection, unicode tricks)."""
    segments: list[str] = load("paths.json")["path_segments"]
    return [*segments, "x" * 4096]


def attachment_names() -> list[str]:
    names: list[str] = load("paths.json")["attachment_names"]
    return names


def header_values(kind: str) -> list[str]:
    values: list[str] = load("headers.json")[kind]
    return values


def invalid_iins() -> list[tuple[str, str]]:
    """(IIN, why): the file's, and a valid IIN with each wrong check digit."""
    out = [(value, why) for value, why in load("ids.json")["iin"]]
    good = make_iin(date(1988, 6, 12), Gender.FEMALE, 41)
    right = check_digit(good[:11])
    out += [(good[:11] + str(d), "wrong check digit") for d in range(10) if d != right][:3]
    return out


def invalid_bins() -> list[tuple[str, str]]:
    out = [(value, why) for value, why in load("ids.json")["bin"]]
    good = make_bin(date(2007, 2, 1), serial=3)
    right = check_digit(good[:11])
    out += [(good[:11] + str(d), "wrong check digit") for d in range(10) if d != right][:2]
    return out
