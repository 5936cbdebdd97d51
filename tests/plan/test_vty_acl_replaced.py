"""The planner's reading of a vty line's ACL on real configs: one inbound ACL per line, the
one typed last replaces the old one (IOS ``access-class``, VRP ``acl N inbound`` in a
user-interface view), so the finding names the ACL the line ends with, not both."""

from __future__ import annotations

import pytest

from .real_configs import entries, plan_entry


@pytest.mark.parametrize(
    ("name", "change"),
    [
        ("index-24709222996--s5700a", "vty ACL 2001 → 2000)"),
        ("gun98--configs-sw1-2960", "vty ACL 10 → CN-VTY)"),
        ("index-4726671017--dk-p1-sw01-2960x", "vty ACL 10 → CN-VTY)"),
    ],
)
def test_the_intended_vty_acl_replaces_the_brownfield_one(name: str, change: str) -> None:
    (entry,) = [e for e in entries() if e.file.endswith(f"/{name}.cfg")]
    plan = plan_entry(entry).plan
    assert plan is not None
    (finding,) = [f.render() for f in plan.findings if f.rule == "vty-acl"]
    assert change in finding, finding
