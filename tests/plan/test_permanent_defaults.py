"""What a device creates by itself and refuses to delete (VRP's default AAA schemes and
domains, physical ports, the console and vty lines) is never in a plan's removals: a real
brownfield VRP config converged to our intended config carries them all."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from communet.plan import Context, plan_config
from tests.lab.corpus import RealConfig, real_configs

GOLDEN = Path(__file__).resolve().parents[1] / "render" / "golden"
TARGETS = {"huawei_vrp": "thanh-son-sw1", "huawei_vrpv8": "hub-thach-thanh-agg1"}
DEFAULTS = re.compile(
    r"^\s*undo (?:(?:authentication|authorization|accounting)-scheme default|"
    r"domain default(?:_admin)?|free-rule-template name default_free_rule|"
    r"radius-server template default|\S+-profile name \S+_profile|drop-profile default|"
    r"diffserv domain default|pki realm default|interface (?:GE|\d+GE|XGigabit|Gigabit|MEth|NULL)"
    r"[\d/]+$|user-interface)"
)
VRP = [c for c in real_configs() if c.platform in TARGETS]


@pytest.mark.parametrize("config", VRP, ids=[c.name for c in VRP])
def test_vrp_defaults_are_never_removed(config: RealConfig) -> None:
    intended = (GOLDEN / f"{TARGETS[config.platform]}.cfg").read_text(encoding="utf-8")
    plan = plan_config("dut", config.platform, config.text, intended, Context(login_user="admin"))
    assert plan.changed
    assert [line for line in plan.commands if DEFAULTS.match(line)] == []
    assert "aaa" in plan.commands  # the aaa view was edited, its defaults kept


@pytest.mark.parametrize(
    "name",
    [
        "iyifanx--vrpcfg-s2700-52p",  # sourced: a real S2700-52P (V100)
        "huangxuxiao--agg-sw1-s5700",  # sourced: eNSP S5700
        "index-54736178315--sw1pop15-expointer",  # unsourced extra data
    ],
)
def test_a_restore_plan_removes_what_was_added_but_not_the_defaults(name: str) -> None:
    """Restoring (VRP5 rollback) owns every line, yet still never negates a default."""
    config = next(c for c in VRP if c.name == name)
    assert "aaa\n" in config.text
    assert "#\nreturn" in config.text
    changed = config.text.replace("aaa\n", "aaa\n authentication-scheme extra\n", 1)
    changed = changed.replace("#\nreturn", "#\nntp-service unicast-server 10.9.9.9\n#\nreturn")
    back = plan_config("dut", "huawei_vrp", changed, config.text, Context(restore=True))
    assert "undo ntp-service unicast-server 10.9.9.9" in back.commands
    assert " undo authentication-scheme extra" in back.commands
    assert [line for line in back.commands if DEFAULTS.match(line)] == []
