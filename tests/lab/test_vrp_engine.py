"""Huawei VRP5 and VRPv8 engines, driven through the pure terminal."""

from __future__ import annotations

from communet.lab.core import Terminal
from communet.lab.vrp import VrpDevice
from tests.lab.conftest import Console, FakeClock, spec


def console(clock: FakeClock, platform: str = "huawei_vrp") -> tuple[VrpDevice, Console]:
    model = "S5735-L24T4X-A" if platform == "huawei_vrpv8" else "S5720-28X-SI-AC"
    device = VrpDevice(spec(platform, model), clock=clock)
    con = Console(Terminal(device, device.open_shell("admin")))
    con.send("screen-length 0 temporary")
    return device, con


def test_views_and_prompts(clock: FakeClock) -> None:
    _, con = console(clock)
    assert con.banner.endswith("<dut>")
    assert con.send("system-view") == ("Enter system view, return user view with Ctrl+Z.\n[dut]")
    assert con.send("interface GigabitEthernet0/0/1") == "[dut-GigabitEthernet0/0/1]"
    assert con.send("quit") == "[dut]"
    assert con.send("vlan 20") == "[dut-vlan20]"
    assert con.send("int gi0/0/2") == "[dut-GigabitEthernet0/0/2]"  # system command from a view
    assert con.send("user-interface vty 0 4") == "[dut-ui-vty0-4]"
    assert con.send("return") == "<dut>"


def test_error_texts_point_at_the_failure(clock: FakeClock) -> None:
    _, con = console(clock)
    con.send("system-view")
    assert con.send("frobnicate") == (
        "     ^\nError: Unrecognized command found at '^' position.\n[dut]"
    )
    out = con.send("interface")
    assert out.endswith("Error: Incomplete command found at '^' position.\n[dut]")
    assert "Unrecognized command" in con.send("commit")  # VRP5 has no two-stage commit


def test_undo_forms_and_trunk_allow_pass_is_additive(clock: FakeClock) -> None:
    _, con = console(clock)
    con.run("system-view", "vlan batch 20 30 to 32", "interface GigabitEthernet0/0/24")
    con.run("port link-type trunk", "port trunk allow-pass vlan 10 20")
    con.run("port trunk allow-pass vlan 30 to 32", "undo port trunk allow-pass vlan 31")
    con.run("description uplink", "undo description", "shutdown", "undo shutdown", "quit")
    config = con.send("display current-configuration")
    assert "\nvlan batch 10 20 30 to 32\n" in config
    assert (
        "interface GigabitEthernet0/0/24\n port link-type trunk\n"
        " port trunk allow-pass vlan 10 20 30 32\n#" in config
    )
    con.send("undo vlan batch 32")
    assert "\nvlan batch 10 20 30 to 31\n" in con.send("display current-configuration")


def test_save_asks_and_reboot_loses_unsaved_changes(clock: FakeClock) -> None:
    device, con = console(clock)
    con.run("system-view", "sysname saved-name", "return")
    assert con.send("save") == (
        "The current configuration will be written to the device.\nAre you sure to continue?[Y/N]:"
    )
    assert "saved successfully" in con.send("y")
    con.run("system-view", "sysname lost-name", "return")
    assert "\nsysname saved-name" in con.send("display saved-configuration")
    device.reboot()
    assert device.name == "saved-name"
    assert device.boots == 2


def test_paging_until_screen_length_zero(clock: FakeClock) -> None:
    device = VrpDevice(spec("huawei_vrp", "S5720-28X-SI-AC"), clock=clock)
    con = Console(Terminal(device, device.open_shell("admin")))
    assert con.send("display current-configuration").endswith("  ---- More ----")
    assert con.terminal.receive("q").endswith("<dut>")
    con.send("screen-length 0 temporary")
    assert "More" not in con.send("display current-configuration")


def test_vrpv8_changes_wait_for_commit(clock: FakeClock) -> None:
    device, con = console(clock, "huawei_vrpv8")
    assert con.send("system-view").endswith("[~dut]")
    assert con.send("vlan batch 20") == (
        "Info: This operation may take a few seconds. Please wait for a moment...done.\n[*dut]"
    )
    assert "vlan batch 10 20" not in con.send("display current-configuration")
    assert con.send("commit") == "[~dut]"
    assert "vlan batch 10 20" in con.send("display current-configuration")
    assert device.name == "dut"


def test_vrpv8_uncommitted_changes_are_asked_about_on_return(clock: FakeClock) -> None:
    _, con = console(clock, "huawei_vrpv8")
    con.run("system-view", "sysname dropped")
    assert con.send("return").startswith("Warning: Uncommitted configurations found.")
    assert con.send("n") == "<dut>"


def test_vrpv8_trial_commit_rolls_back_unless_confirmed(clock: FakeClock) -> None:
    device, con = console(clock, "huawei_vrpv8")
    con.run("system-view", "sysname trial")
    assert "roll back in 60 seconds" in con.send("commit trial 60")
    assert device.name == "trial"
    clock.advance(61)
    device.tick()
    assert device.name == "dut"
    con.run("sysname confirmed", "commit trial 60", "commit")
    clock.advance(120)
    device.tick()
    assert device.name == "confirmed"
    con.run("sysname aborted", "commit trial 600")
    assert "Aborted" in con.send("abort trial")
    assert device.name == "confirmed"
