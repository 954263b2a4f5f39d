"""``python -m egov.contract write|check [--dir DIR]``: regenerate the contract files, or exit 1
naming every file that differs from what the code generates."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from egov.contract.files import DEFAULT_DIR, stale_files, write_files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m egov.contract", description=__doc__)
    parser.add_argument("action", choices=("write", "check"))
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="default: %(default)s")
    args = parser.parse_args(argv)
    if args.action == "write":
        for path in write_files(args.dir):
            print(f"wrote {path}")
        return 0
    stale = stale_files(args.dir)
    for path in stale:
        print(
            f"{path} differs from the models; run: python -m egov.contract write", file=sys.stderr
        )
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
