"""The workstations' table: each department's BIN, which its staff's certificates carry."""

from __future__ import annotations

from datetime import date

import yaml

from elicense_svc.domain.directory import Directory
from elicense_svc.settings import DEFAULT_DIRECTORY
from provider_svc.domain.workstations import WORKSTATIONS
from shared.ids import make_bin, parse_bin


def test_each_department_has_its_own_synthetic_bin_as_documented() -> None:
    # The module's text says how they were made; parse_bin checks the check digit.
    assert [w.bin for w in WORKSTATIONS] == [
        make_bin(date(2019, 3, 1), serial=serial) for serial in (12345, 12346, 12347)
    ]
    for ws in WORKSTATIONS:
        parse_bin(ws.bin)


def test_elicensing_names_a_department_it_shares_with_a_workstation_by_the_same_bin() -> None:
    directory = Directory.from_mapping(yaml.safe_load(DEFAULT_DIRECTORY.read_text("utf-8")))
    shared = {p.id: p.bin for p in directory.providers}
    both = [w for w in WORKSTATIONS if w.system_id in shared]
    assert both, "E-licensing's directory names no workstation's department"
    for ws in both:
        assert shared[ws.system_id] == ws.bin, ws.system_id
