"""The acceptance over the whole corpus: ``communet plan`` and ``apply`` over real SSH on every
config (tests/apply/corpus_run.py), and the table in docs/brownfield.md is what this run
produces.

Per config: it loads into a lab device of its platform; ``plan`` ends without a traceback;
``apply`` converges (second plan empty, management answering on its address, no live port
down or re-moded at any point of the session) or refuses with its blocking findings and
pushes nothing, or fails with one line that says why and changes nothing; a forced apply of a
refused plan never leaves the device unreachable (it converges, or it is rolled back, or the
trial commit it left armed reverts it).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .corpus_run import Row, no_ssh, run, summary, table

DOC = Path(__file__).resolve().parents[2] / "docs" / "brownfield.md"
BEGIN, END = "<!-- apply-table: begin -->\n", "<!-- apply-table: end -->\n"


@pytest.fixture(scope="module")
def rows(tmp_path_factory: pytest.TempPathFactory) -> list[Row]:
    return run(state=tmp_path_factory.mktemp("corpus-apply"))


def test_every_config_ran_and_planned_without_a_traceback(rows: list[Row]) -> None:
    assert len(rows) >= 44
    for row in rows:
        assert row.plan, row.config.name  # one result per host, each step
        assert row.apply, row.config.name
        for result in (row.plan, row.apply, row.replan, row.forced):
            assert "Traceback" not in str(result)


def test_each_apply_converges_refuses_or_fails_with_one_line(rows: list[Row]) -> None:
    for row in rows:
        name = row.config.name
        if row.outcome == "converges":
            assert row.converged, name
            assert row.answering_after, name
        elif row.outcome == "refuses":
            assert row.hazards, name
            assert row.unchanged_after_apply, name  # nothing was pushed
            assert row.apply["error"].startswith(f"{row.hostname}: the plan has destructive")
        else:
            message = row.apply["error"].split("\n    fix:")[0]
            assert message.startswith(f"{row.hostname}: "), name
            assert "\n" not in message, name
            assert row.unchanged_after_apply, name  # refused, or rolled back


def test_configs_without_ssh_are_planned_and_applied_over_the_console(rows: list[Row]) -> None:
    """What a technician does in the field: no SSH for communet in the config, so the console
    cable; the whole run of such a row (plan, apply, forced apply, second plan) goes over it."""
    console = [r for r in rows if r.console]
    assert len(console) >= 30
    for row in rows:
        if not row.console:
            assert not no_ssh(row.plan), row.config.name  # SSH did let communet in
            continue
        assert row.ssh_refusal, row.config.name
        for result in (row.plan, row.apply, row.replan, row.forced):
            assert not result or result["transport"] == "console", row.config.name
    assert sum(r.outcome == "converges" for r in console) >= 15


def test_no_live_port_goes_down_in_any_unforced_apply(rows: list[Row]) -> None:
    carrying = [r for r in rows if r.live_ports]
    assert len(carrying) > 30  # the run does cover up trunks, bundles and routed ports
    assert [(r.config.name, r.cut_ports) for r in rows if r.cut_ports] == []


def test_a_forced_apply_never_leaves_the_device_unreachable(rows: list[Row]) -> None:
    forced = [r for r in rows if r.forced]
    assert forced
    for row in forced:
        name = row.config.name
        assert row.answering_after, name
        if row.forced_outcome == "converges":
            assert row.converged, name
        elif row.forced_outcome == "not forced":  # no trial commit: the engine says no
            assert "not pushed, even with --force" in row.forced["error"], name
            assert row.unchanged_after_forced, name
        else:  # rolled back by the engine, or by the trial commit that ran out
            assert row.forced.get("rolled_back") or row.reverted, name
            assert row.unchanged_after_forced, name


def test_the_run_has_every_kind_of_outcome(rows: list[Row]) -> None:
    """Not a table of failures: plain applies converge, refuse and fail on real configs."""
    assert {r.outcome for r in rows} == {"converges", "refuses", "fails"}
    assert any(r.forced_outcome == "converges" for r in rows)


def test_the_table_in_docs_is_what_the_run_produces(rows: list[Row]) -> None:
    text = DOC.read_text("utf-8")
    shown = text.split(BEGIN, 1)[1].split(END, 1)[0]
    assert shown == table(rows), "regenerate: .venv/bin/python tools/brownfield_table.py --apply"


def test_the_summary_in_docs_counts_the_table(rows: list[Row]) -> None:
    text = DOC.read_text("utf-8")
    counts = re.search(r"<!-- apply-counts -->(.*?)<!-- /apply-counts -->", text, re.S)
    assert counts is not None
    assert counts.group(1) == summary(rows)
