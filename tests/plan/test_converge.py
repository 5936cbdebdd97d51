"""Every simulated demo device converges: plan, push, nothing left, rollback restores."""

from __future__ import annotations

import pytest

from communet.inventory import load_inventory

from .conftest import DEMO, Bench

HOSTS = [d.hostname for d in load_inventory(DEMO).devices if d.platform != "linux"]


@pytest.mark.parametrize("bench", HOSTS, indirect=True)
def test_plan_converges_and_rolls_back(bench: Bench) -> None:
    factory = bench.running()
    plan = bench.plan(factory)
    assert plan.changed
    assert bench.configure(plan.commands) == []
    assert bench.plan().commands == ()  # a second plan is empty
    assert bench.configure(plan.rollback) == []
    assert bench.plan(intended=factory).commands == ()  # rollback restored the original


@pytest.mark.parametrize("bench", [h for h in HOSTS if "-vc" not in h], indirect=True)
def test_first_push_to_a_factory_device_has_no_destructive_line(bench: Bench) -> None:
    plan = bench.plan()
    assert [f.render() for f in plan.blocking] == []
    # Only warnings: our vty ACL where there was none (and nothing else)
    assert {f.rule for f in plan.findings} <= {"vty-acl-added"}
    assert plan.protected == ()
