"""The readiness matrix: rows sorted worst first, as CSV, JSON and a self-contained HTML page.

Pure: the wording of a finding (reason, next step, in the reader's language) comes from the
caller's ``Wording``; nothing here reads or writes files. The HTML page carries its own style
and no script, font, image or link to anything outside itself, so it can be mailed or printed.
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from communet.readiness.verdict import Finding, State, Thresholds

if TYPE_CHECKING:
    from communet.readiness.probe import CommuneReport

Wording = Callable[[Finding], tuple[str, str]]  # finding -> (reason, next step)

# Matrix columns and the checks each one summarises.
COLUMNS: dict[str, tuple[str, ...]] = {
    "reach": ("reach",),
    "rtt": ("rtt",),
    "jitter": ("jitter",),
    "loss": ("loss", "burst_loss"),
    "tcp": ("tcp",),
    "drift": ("drift",),
    "codec": ("sip", "h323", "call_rate"),
    "services": ("registrar", "ntp"),
}
# Which finding explains a commune when several are equally bad: the media path first (it is
# what the meeting suffers), then the codec, then reachability, then configuration.
PRIORITY = ("loss", "rtt", "jitter", "burst_loss", "sip", "h323", "call_rate", "reach", "tcp")
CSV_COLUMNS = (
    "commune",
    "name",
    "district",
    "hub",
    "state",
    *COLUMNS,
    "worst_check",
    "worst_device",
    "worst_value",
    "reason",
    "next_step",
)


@dataclass(frozen=True)
class Row:
    report: CommuneReport
    states: dict[str, State]  # column -> worst state of its checks (SKIP: nothing measured)
    worst: Finding | None

    @property
    def state(self) -> State:
        return self.report.state


def _rank(finding: Finding) -> tuple[int, int]:
    order = PRIORITY.index(finding.check) if finding.check in PRIORITY else len(PRIORITY)
    return (-int(finding.state), order)


def row(report: CommuneReport) -> Row:
    states = {
        column: max((f.state for f in report.findings if f.check in checks), default=State.SKIP)
        for column, checks in COLUMNS.items()
    }
    judged = [f for f in report.findings if f.state > State.SKIP]
    worst = min(judged, key=_rank) if judged else None
    return Row(report, states, worst)


def rows(reports: Iterable[CommuneReport]) -> list[Row]:
    """Worst commune first: FAIL before WARN before PASS, then by how many checks failed."""
    built = [row(r) for r in reports]

    def key(item: Row) -> tuple[int, int, int, str]:
        findings = item.report.findings
        fails = sum(f.state == State.FAIL for f in findings)
        warns = sum(f.state == State.WARN for f in findings)
        return (-int(item.state), -fails, -warns, item.report.commune.slug)

    return sorted(built, key=key)


def _record(item: Row, words: Wording) -> dict[str, str]:
    commune = item.report.commune
    flagged = item.worst if item.worst is not None and item.state > State.PASS else None
    reason, step = words(flagged) if flagged is not None else ("", "")
    return {
        "commune": commune.slug,
        "name": commune.name,
        "district": commune.district_name,
        "hub": item.report.hub,
        "state": item.state.name,
        **{column: state.name for column, state in item.states.items()},
        "worst_check": flagged.check if flagged else "",
        "worst_device": flagged.subject if flagged else "",
        "worst_value": flagged.value if flagged else "",
        "reason": reason,
        "next_step": step,
    }


def finding_record(f: Finding, words: Wording) -> dict[str, Any]:
    """One finding as the JSON outputs of ``check`` and ``readiness`` show it."""
    reason, step = words(f)
    return {
        "check": f.check,
        "device": f.subject,
        "state": f.state.name,
        "value": f.value,
        "measured": f.measured,
        "reason": reason,
        "next_step": step,
    }


def to_csv(items: Sequence[Row], words: Wording) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for item in items:
        writer.writerow(_record(item, words))
    return out.getvalue()


def summary(items: Sequence[Row]) -> dict[str, int]:
    return {
        s.name: sum(1 for i in items if i.state == s) for s in (State.FAIL, State.WARN, State.PASS)
    }


def to_json(
    items: Sequence[Row],
    words: Wording,
    *,
    scope: str,
    generated: str,
    thresholds: Thresholds,
    seconds: float,
) -> str:
    document = {
        "scope": scope,
        "generated": generated,
        "seconds": round(seconds, 1),
        "thresholds": dict(vars(thresholds)),
        "summary": summary(items),
        "communes": [
            {
                **_record(item, words),
                "findings": [finding_record(f, words) for f in item.report.findings],
            }
            for item in items
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=1)


_STYLE = """
body{font-family:system-ui,"Segoe UI",Arial,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em;margin:0 0 .2em}
p.meta{color:#555;margin:.2em 0 1em}
table{border-collapse:collapse;width:100%;font-size:.9em}
th,td{border:1px solid #bbb;padding:.25em .45em;text-align:left;vertical-align:top}
th{background:#eee}
td.s{text-align:center;font-weight:bold;white-space:nowrap}
.FAIL{background:#f4b4b4}.WARN{background:#fbe3a1}.PASS{background:#c8e6c9}.SKIP{color:#888}
span.count{display:inline-block;margin-right:1em;padding:.1em .5em;border-radius:.3em}
@media print{body{margin:0}th{background:#ddd}}
"""


def to_html(
    items: Sequence[Row],
    words: Wording,
    *,
    title: str,
    meta: str,
    headers: dict[str, str],
    state_words: dict[str, str],
    lang: str,
) -> str:
    """One page with its own style: the matrix, worst commune first."""
    esc = html.escape
    counts = summary(items)
    badges = "".join(
        f'<span class="count {name}">{esc(state_words[name])}: {count}</span>'
        for name, count in counts.items()
    )
    head_cells = "".join(
        f"<th>{esc(headers[c])}</th>"
        for c in ("commune", "district", "hub", "state", *COLUMNS, "worst_value", "reason")
    )
    body: list[str] = []
    for item in items:
        record = _record(item, words)
        cells = [
            f"<td>{esc(record['name'])}<br><small>{esc(record['commune'])}</small></td>",
            f"<td>{esc(record['district'])}</td>",
            f"<td>{esc(record['hub'])}</td>",
            f'<td class="s {record["state"]}">{esc(state_words[record["state"]])}</td>',
        ]
        for column in COLUMNS:
            state = record[column]
            label = state_words[state] if state != "SKIP" else "–"
            cells.append(f'<td class="s {state}">{esc(label)}</td>')
        value = f"{record['worst_device']}: {record['worst_value']}" if record["reason"] else ""
        cells.append(f"<td>{esc(value)}</td>")
        reason = record["reason"]
        if record["next_step"]:
            reason += f" → {record['next_step']}"
        cells.append(f"<td>{esc(reason)}</td>")
        body.append(f'<tr class="row {record["state"]}" data-commune="{esc(record["commune"])}">')
        body.append("".join(cells) + "</tr>")
    return (
        f'<!DOCTYPE html>\n<html lang="{esc(lang)}"><head><meta charset="utf-8">'
        f"<title>{esc(title)}</title><style>{_STYLE}</style></head><body>"
        f'<h1>{esc(title)}</h1><p class="meta">{esc(meta)}</p><p>{badges}</p>'
        f'<table id="matrix"><thead><tr>{head_cells}</tr></thead><tbody>\n'
        + "\n".join(body)
        + "\n</tbody></table></body></html>\n"
    )
