"""docs/gateway-errors.md documents exactly the codes the gateway can give."""

from __future__ import annotations

import re
from pathlib import Path

from gateway_svc.errors import ErrorCode, origin_of
from gateway_svc.sync import Fault

DOC = Path(__file__).resolve().parents[2] / "docs" / "gateway-errors.md"
ROW = re.compile(r"^\| `([A-Z_]+)` \| (client|gateway|provider) \| (\d{3}) \|", re.MULTILINE)


def test_every_code_is_documented_once_with_its_origin() -> None:
    rows = ROW.findall(DOC.read_text("utf-8"))
    documented = [code for code, _, _ in rows]
    assert sorted(documented) == sorted(code.value for code in ErrorCode)
    assert len(documented) == len(set(documented))
    for code, origin, status in rows:
        fault = Fault(ErrorCode(code), "", origin_of(ErrorCode(code)))
        assert (fault.origin.value, fault.http_status) == (origin, int(status)), code
