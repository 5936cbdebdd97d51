"""Print the planner's results over the real-config corpus as a markdown table.

Usage: .venv/bin/python tools/brownfield_table.py [--oracle | --apply [--write]]

Without options (offline, pure): the planner's table. ``--oracle`` prints instead what the
independent reading of tests/plan/test_corpus.py finds: ports carrying something today, how
many the plans leave alone, touch, and would cut.

``--apply`` runs the acceptance (tests/apply/corpus_run.py: ``communet plan``/``apply`` over
real SSH on every config of the corpus in one lab) and prints its table and counts;
``--write`` puts them into docs/brownfield.md between their markers, where
tests/apply/test_corpus_apply.py checks that they are what the run produces.

Each config of tests/fixtures/real is planned as the demo province's access switch of its
platform (tests/plan/real_configs.py): the ports laid over the config's own interfaces, the
session arriving on the config's first SVI address. The table goes to docs/brownfield.md.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.plan.real_configs import Outcome, entries, plan_entry
from tests.plan.test_corpus import _carrying, _cuts, _plan_ports, _ports


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


def oracle() -> None:
    counts: Counter[str] = Counter()
    for entry in entries():
        outcome = plan_entry(entry)
        if outcome.plan is None:
            continue
        counts["planned configs"] += 1
        typed = _plan_ports(outcome.plan.commands)
        for name, port in _ports(entry.text).items():
            if not _carrying(port):
                continue
            counts["ports carrying something"] += 1
            if name not in typed:
                counts["left alone"] += 1
            elif _cuts(port, typed[name]):
                counts["touched, with a cutting line (each must be flagged)"] += 1
            else:
                counts["touched, nothing cut"] += 1
    for key, value in counts.items():
        print(f"{key}: {value}")


DOC = Path(__file__).resolve().parents[1] / "docs" / "brownfield.md"


def apply_tables(write: bool) -> None:
    from tests.apply.corpus_run import run, summary, table  # noqa: PLC0415 - starts a lab

    rows = run()
    shown, counts = table(rows), summary(rows)
    if not write:
        print(counts, "\n", shown, sep="")
        return
    text = DOC.read_text("utf-8")
    text = re.sub(
        r"(<!-- apply-table: begin -->\n).*?(<!-- apply-table: end -->\n)",
        lambda m: m.group(1) + shown + m.group(2),
        text,
        flags=re.S,
    )
    text = re.sub(
        r"(<!-- apply-counts -->).*?(<!-- /apply-counts -->)",
        lambda m: m.group(1) + counts + m.group(2),
        text,
        flags=re.S,
    )
    DOC.write_text(text, "utf-8")


def main() -> None:
    if sys.argv[1:] == ["--oracle"]:
        oracle()
        return
    if sys.argv[1:2] == ["--apply"]:
        apply_tables(write=sys.argv[2:] == ["--write"])
        return
    print(
        "| config | platform | result | lines | blocking findings | warnings | "
        "ports left alone | note |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for entry in entries():
        print(row(plan_entry(entry)))


if __name__ == "__main__":
    main()
