"""Fail CI when the Optuna compatibility check falls below the floor in `.ci/compat_floor.json`.

Usage: python .ci/compat_gate.py RESULTS.json

RESULTS.json is what `../shared/compat/run.sh` writes (strict mode). The floor file holds the
overall pass % and a per-area pass %; an area missing from the floor file has no floor. Prints
the per-area table, then every area under its floor, and exits 1 if there is one.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

FLOOR_FILE = Path(__file__).with_name("compat_floor.json")


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    results = json.loads(Path(argv[1]).read_text())
    floor = json.loads(FLOOR_FILE.read_text())
    if results.get("mode") != "strict":
        print(f"compat gate: expected a strict run, got mode={results.get('mode')!r}", file=sys.stderr)
        return 1
    below: list[str] = []
    print(f"{'area':<28} {'total':>6} {'passed':>7} {'pass%':>7} {'floor%':>7}")
    rows = [("TOTAL", results["total"], floor.get("total"))]
    rows += [(name, area, floor.get("areas", {}).get(name)) for name, area in results["areas"].items()]
    for name, area, minimum in rows:
        mark = ""
        if minimum is not None and area["pass_pct"] < minimum:
            below.append(f"{name}: {area['pass_pct']}% < floor {minimum}%")
            mark = "  <-- below floor"
        shown = "-" if minimum is None else f"{minimum:.1f}"
        print(f"{name:<28} {area['total']:>6} {area['passed']:>7} {area['pass_pct']:>7.1f} {shown:>7}{mark}")
    if below:
        print("compat gate FAILED:\n  " + "\n  ".join(below), file=sys.stderr)
        return 1
    print("compat gate passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
