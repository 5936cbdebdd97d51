"""What the VRP lab must do as a real switch does for the lines adoption types (driven
through the pure terminal): per-user SSH logins, and a default shown only when off."""

from __future__ import annotations

import ipaddress

import pytest

from communet.lab.core import Terminal
from communet.lab.vrp import VrpDevice, lab_cipher
from tests.lab.conftest import Console, FakeClock, spec

NOC = ipaddress.IPv4Address("10.38.250.5")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def console(clock: FakeClock, platform: str) -> tuple[VrpDevice, Console]:
    model = "S5735-L24T4X-A" if platform == "huawei_vrpv8" else "S5720-28X-SI-AC"
    device = VrpDevice(spec(platform, model), clock=clock)
    con = Console(Terminal(device, device.open_shell("admin")))
    con.send("screen-length 0 temporary")
    return device, con


def test_without_the_default_password_login_a_user_needs_its_own_ssh_user(
    clock: FakeClock,
) -> None:
    device, con = console(clock, "huawei_vrpv8")
    con.run("system-view", "aaa")
    con.run(f"local-user noc password irreversible-cipher {lab_cipher('pw-1')}")
    con.run("local-user noc privilege level 15", "local-user noc service-type ssh", "quit")
    con.run("commit")
    assert device.authenticate("noc", "pw-1", NOC) == 15  # by default: any ssh local user
    con.run("undo ssh authentication-type default password", "commit")
    assert device.authenticate("noc", "pw-1", NOC) is None  # now its own 'ssh user' first
    con.run("ssh user noc", "commit")
    assert device.authenticate("noc", "pw-1", NOC) is None  # without a password type
    con.run("ssh user noc authentication-type password", "commit")
    assert device.authenticate("noc", "pw-1", NOC) == 15
    assert device.authenticate("noc", "wrong", NOC) is None


def test_a_default_turned_off_is_shown_in_its_undo_form_only(clock: FakeClock) -> None:
    _, con = console(clock, "huawei_vrp")
    con.run("system-view", "aaa", "undo local-user password change-offline enable")
    shown = con.send("display current-configuration")
    assert "\n undo local-user password change-offline enable\n" in shown
    con.run("local-user password change-offline enable")
    shown = con.send("display current-configuration")
    assert "change-offline" not in shown  # back to the default: not displayed
