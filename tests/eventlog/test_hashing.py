"""The event hash assembled from canonical parts is the hash of the whole canonical document, so
an append that hashes its already-checked canonical data (writing.prepare) chains exactly as the
verifier (chain.py, which hashes from the stored values) recomputes."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.eventlog.hashing import (
    canonical_json,
    event_hash,
    event_hash_of_canonical,
    format_recorded_at,
)
from shared.eventlog.port import NewEvent
from shared.eventlog.writing import check_append_arguments, prepare

# Keys and strings from the whole of Unicode but lone surrogates (not encodable): RFC 8785 sorts
# keys by UTF-16 code units, where astral characters sort below U+E000..U+FFFF.
text = st.text(st.characters(exclude_categories=("Cs",)), max_size=8)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | text
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=20,
)
documents = st.dictionaries(text, values, max_size=6)
instants = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)


def whole_document_hash(**fields: Any) -> str:
    document = dict(fields)
    document["event_id"] = str(document["event_id"])
    document["recorded_at"] = format_recorded_at(document["recorded_at"])
    return hashlib.sha256(canonical_json(document, "event")).hexdigest()


@settings(max_examples=300, deadline=None)
@given(
    stream_id=text.filter(bool),
    version=st.integers(min_value=1, max_value=2**31 - 1),
    event_id=st.uuids(),
    type_=text.filter(bool),
    data=documents,
    metadata=documents,
    recorded_at=instants,
    prev_hash=st.sampled_from(["", hashlib.sha256(b"x").hexdigest()]),
)
def test_the_hash_of_canonical_parts_is_the_hash_of_the_canonical_document(
    stream_id: str,
    version: int,
    event_id: UUID,
    type_: str,
    data: dict[str, Any],
    metadata: dict[str, Any],
    recorded_at: datetime,
    prev_hash: str,
) -> None:
    fields = {
        "stream_id": stream_id, "version": version, "event_id": event_id, "type": type_,
        "recorded_at": recorded_at, "prev_hash": prev_hash,
    }  # fmt: skip
    expected = whole_document_hash(**fields, data=data, metadata=metadata)
    assert event_hash(**fields, data=data, metadata=metadata) == expected
    assert (
        event_hash_of_canonical(
            **fields,
            data=canonical_json(data, "data"),
            metadata=canonical_json(metadata, "metadata"),
        )
        == expected
    )


def test_prepare_chains_with_the_checked_canonical_forms_as_without_them() -> None:
    events = [
        NewEvent("A.v1", {"ж": [1, 2.5, None], "\U0001f600": {"b": True}}, metadata={"k": "v"}),
        NewEvent("B.v1", {"n": 2**53 - 1}),
    ]
    at = datetime(2019, 11, 4, 3, 0, tzinfo=UTC) + timedelta(microseconds=7)
    canonical = check_append_arguments("s", events, None)
    given_forms = prepare("s", events, current_version=3, last_hash="h", recorded_at=at,
                          canonical=canonical)  # fmt: skip
    computed = prepare("s", events, current_version=3, last_hash="h", recorded_at=at)
    assert given_forms == computed
    assert given_forms[0].prev_hash == "h"
    assert given_forms[1].prev_hash == given_forms[0].hash
    assert given_forms[0].hash == whole_document_hash(
        stream_id="s", version=4, event_id=events[0].event_id, type="A.v1",
        data=dict(events[0].data), metadata=dict(events[0].metadata), recorded_at=at,
        prev_hash="h",
    )  # fmt: skip
