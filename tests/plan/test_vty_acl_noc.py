"""A vty ACL the device keeps after the push must let the NOC in, over the console too
(issue 9): the session that proves the push comes from the NOC over SSH. Judged on real
configs whose vty ACL refuses the demo province's NOC (10.38.250.0/24)."""

from __future__ import annotations

import pytest

from communet.plan import Context, plan_config
from tests.lab.corpus import real_configs

CONFIGS = {c.name: c for c in real_configs()}
NOC = ("10.38.250.0/24",)


# No sourced VRP config of the corpus carries a vty ACL (s5700a is unsourced extra data): the
# sourced spoke CE (eyadnasr) gets one typed into its vty line, as a technician would.
SPOKE_WITH_ACL = CONFIGS["eyadnasr--interas-option-a-spoke-ce1"].text.replace(
    "user-interface vty 0 4\n",
    "acl number 2001\n rule 10 permit source 10.10.66.0 0.0.0.255\n#\n"
    "user-interface vty 0 4\n acl 2001 inbound\n",
    1,
)


def _findings(name: str, noc: tuple[str, ...], console: bool) -> list[str]:
    config = CONFIGS[name]
    text = SPOKE_WITH_ACL if name.startswith("eyadnasr--") else config.text
    # the intended config changes something else and leaves the vty lines as they are
    keyword = "hostname" if config.platform == "cisco_ios" else "sysname"
    intended = "\n".join(
        line.split(keyword)[0] + f"{keyword} renamed"
        if line.lstrip().startswith(keyword + " ")
        else line
        for line in text.splitlines()
    )
    context = Context(login_user="admin", console=console, noc_networks=noc)
    plan = plan_config("sw", config.platform, text, intended, context)
    assert plan.commands
    return [f.render() for f in plan.findings if f.rule == "vty-acl-noc"]


@pytest.mark.parametrize("console", [False, True])
def test_a_kept_ios_access_class_that_refuses_the_noc_blocks(console: bool) -> None:
    (finding,) = _findings("gun98--configs-sw1-2960", NOC, console)
    assert finding == (
        "vty-acl-noc: 'vty ACL 10 (kept as the device has it)': leaves the vty lines with an "
        "ACL that does not let the NOC in: no SSH session from the NOC gets a login prompt "
        "(nor the session that proves this push) (ACL 10 refuses the NOC station 10.38.250.1) "
        "(prefer: permit the NOC networks in that ACL (or let the intended config's ACL "
        "replace it))"
    )


@pytest.mark.parametrize(
    "name", ["eyadnasr--interas-option-a-spoke-ce1", "index-24709222996--s5700a"]
)
def test_a_kept_vrp_acl_that_refuses_the_noc_blocks_over_the_console(name: str) -> None:
    (finding,) = _findings(name, NOC, console=True)
    assert "(ACL 2001 refuses the NOC station 10.38.250.1)" in finding


def test_a_kept_acl_that_permits_the_noc_is_no_finding() -> None:
    # acl 2001's rule 10 permits 10.10.66.0/24; gun98's access-class 10 permits host
    # 10.10.30.10, dk-p1-sw01's 10.1.99.0/24
    assert _findings("eyadnasr--interas-option-a-spoke-ce1", ("10.10.66.0/24",), True) == []
    assert _findings("gun98--configs-sw1-2960", ("10.10.30.10/32",), False) == []
    assert _findings("index-24709222996--s5700a", ("10.10.66.0/24",), console=True) == []
    assert _findings("index-4726671017--dk-p1-sw01-2960x", ("10.1.99.0/24",), False) == []


def test_without_noc_networks_there_is_no_verdict() -> None:
    assert _findings("gun98--configs-sw1-2960", (), console=True) == []


def test_a_noc_station_named_alone_is_judged() -> None:
    """A /32 NOC network (one station) is judged like any other, not a crash: its host list
    is a list, not an iterator (found on gun98's sourced 2960, issue 9)."""
    (finding,) = _findings("gun98--configs-sw1-2960", ("10.38.250.1/32",), False)
    assert "(ACL 10 refuses the NOC station 10.38.250.1)" in finding
    assert _findings("gun98--configs-sw1-2960", ("10.10.30.10/32",), False) == []
