"""Print the planner's results over the real-config corpus as a markdown table.

Usage: .venv/bin/python tools/brownfield_table.py  (from the repository root; offline, pure)

Each config of tests/fixtures/real is planned as the demo province's access switch of its
platform (tests/plan/real_configs.py): the ports laid over the config's own interfaces, the
session arriving on the config's first SVI address. The table goes to docs/brownfield.md.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.plan.real_configs import Outcome, entries, plan_entry


def row(outcome: Outcome) -> str:
    entry = outcome.entry
    name = Path(entry.file).name.removesuffix(".cfg")
    if outcome.plan is None:
        reason = outcome.refused.split(": ", 1)[1].replace("|", "/")
        return f"| `{name}` | {entry.platform} | refused | – | – | – | – | {reason} |"
    plan = outcome.plan
    blocking = Counter(f.rule for f in plan.blocking)
    warnings = Counter(f.rule for f in plan.findings if not f.blocking)
    left = sum(1 for u in plan.unmanaged if "left as it is" in u)
    missing = sum(1 for u in plan.unmanaged if "no such interface" in u)
    outcome_word = "blocked" if blocking else "pushable"
    return (
        f"| `{name}` | {entry.platform} | {outcome_word} | {len(plan.commands)} | "
        f"{_counts(blocking)} | {_counts(warnings)} | {left} | "
        f"{'session on ' + outcome.session_address if outcome.session_address else ''}"
        f"{'; ' if outcome.session_address and missing else ''}"
        f"{f'{missing} ports not on the device skipped' if missing else ''} |"
    )


def _counts(counter: Counter[str]) -> str:
    shown = [rule + (f" ×{n}" if n > 1 else "") for rule, n in sorted(counter.items())]
    return ", ".join(shown) or "–"


def main() -> None:
    print(
        "| config | platform | result | lines | blocking findings | warnings | "
        "ports left alone | note |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for entry in entries():
        print(row(plan_entry(entry)))


if __name__ == "__main__":
    main()
