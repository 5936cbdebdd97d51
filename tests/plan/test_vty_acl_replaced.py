"""The planner's reading of a vty line's ACL on real configs: one inbound ACL per line, the
one typed last replaces the old one (IOS ``access-class``, VRP ``acl N inbound`` in a
user-interface view), so the finding names the ACL the line ends with, not both."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from .real_configs import Entry, entries, plan_entry

S2700 = "iyifanx--vrpcfg-s2700-52p"


@dataclass(frozen=True)
class WithVtyAcl(Entry):
    """No sourced VRP config of the corpus carries a vty ACL (s5700a is unsourced extra
    data): the sourced S2700-52P (a real V100 switch) with acl 2001 typed into its vty line,
    as a technician would."""

    @property
    def text(self) -> str:
        return super().text.replace(
            "user-interface vty 0 4\n",
            "acl number 2001\n rule 10 permit source 10.10.66.0 0.0.0.255\n#\n"
            "user-interface vty 0 4\n acl 2001 inbound\n",
            1,
        )


@pytest.mark.parametrize(
    ("name", "change"),
    [
        (S2700, "vty ACL 2001 → 2000)"),  # sourced, its vty ACL typed in
        ("index-24709222996--s5700a", "vty ACL 2001 → 2000)"),
        ("gun98--configs-sw1-2960", "vty ACL 10 → CN-VTY)"),
        ("index-4726671017--dk-p1-sw01-2960x", "vty ACL 10 → CN-VTY)"),
    ],
)
def test_the_intended_vty_acl_replaces_the_brownfield_one(name: str, change: str) -> None:
    (entry,) = [e for e in entries() if e.file.endswith(f"/{name}.cfg")]
    if name == S2700:
        entry = WithVtyAcl(entry.file, entry.platform, entry.model)
        assert " acl 2001 inbound\n" in entry.text
    plan = plan_entry(entry).plan
    assert plan is not None
    (finding,) = [f.render() for f in plan.findings if f.rule == "vty-acl"]
    assert change in finding, finding
