"""In compose every egov process is PID 1 of its own container (``ENTRYPOINT ["egov"]``), and
portal, elicense and provider write one clock file on the shared volume: their temporary files
must not be named by the PID alone, or one's rename takes the other's file away."""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from shared import simclock


def test_writers_with_the_same_pid_do_not_take_each_others_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "getpid", lambda: 1)
    path = tmp_path / "simclock.json"
    now = datetime(2019, 11, 4, 3, tzinfo=UTC)
    failures: list[BaseException] = []

    def container(moved: bool) -> None:
        state = simclock._State(real=now, simulated=now, moved=moved)
        try:
            for _ in range(300):
                simclock._create_state(path, state)
                simclock._write_state(path, state)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=container, args=(i % 2 == 0,)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert simclock._read_state(path) is not None
    assert [p.name for p in tmp_path.iterdir()] == ["simclock.json"]
