"""ntc-templates parity: every show/display output the lab implements parses with the
community TextFSM template for the same platform and command, and yields what we set."""

from __future__ import annotations

from typing import Any

import pytest
from ntc_templates.parse import parse_output  # type: ignore[import-untyped]

from communet.lab.core import Device, Terminal
from communet.lab.ios import IosDevice
from communet.lab.vrp import VrpDevice
from tests.lab.conftest import Console, FakeClock, spec


def output(con: Console, command: str) -> str:
    """What netmiko's send_command returns: the reply without the trailing prompt."""
    text = con.send(command)
    return text.rsplit("\n", 1)[0] + "\n"


def parse(platform: str, command: str, text: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = parse_output(platform=platform, command=command, data=text)
    return rows


def ios_console(model: str) -> Console:
    device = IosDevice(spec("cisco_ios", model), clock=FakeClock())
    con = Console(Terminal(device, device.open_shell("admin")))
    con.run("enable", "lab", "terminal length 0", "configure terminal")
    con.run("archive", "path flash:archive", "exit")
    if device.hardware.switch:
        con.run("vlan 20", "name CANBO", "interface Gi1/0/3", "description Can bo 1")
        con.run("switchport mode access", "switchport access vlan 20", "exit")
        con.run("interface Gi1/0/24", "switchport mode trunk", "shutdown")
    con.run("end", "archive config", "archive config")
    return con


@pytest.fixture(scope="module")
def switch() -> Console:
    return ios_console("WS-C2960X-24TS-L")


@pytest.fixture(scope="module")
def router() -> Console:
    return ios_console("ISR4321/K9")


@pytest.mark.parametrize("model", ["WS-C2960X-24TS-L", "WS-C3850-24T", "ISR4321/K9"])
def test_ios_show_version(model: str) -> None:
    rows = parse("cisco_ios", "show version", output(ios_console(model), "show version"))
    assert len(rows) == 1
    row = rows[0]
    assert row["hostname"] == "dut"
    assert row["hardware"] == [model]
    assert row["serial"][0].startswith("FOC")
    assert row["uptime"] == "0 minutes"
    assert row["version"] in ("15.2(7)E8", "16.9.8")


@pytest.mark.parametrize("command", ["show vlan brief", "show vlan"])
def test_ios_show_vlan(switch: Console, command: str) -> None:
    rows = {r["vlan_id"]: r for r in parse("cisco_ios", command, output(switch, command))}
    assert set(rows) == {"1", "10", "20", "1002", "1003", "1004", "1005"}
    assert rows["20"]["vlan_name"] == "CANBO"
    assert rows["20"]["interfaces"] == ["Gi1/0/3"]
    assert rows["10"]["vlan_name"] == "MGMT"
    assert "Gi1/0/24" not in rows["1"]["interfaces"]  # a trunk is in no access VLAN


def test_ios_show_interfaces_status(switch: Console) -> None:
    text = output(switch, "show interfaces status")
    rows = {r["port"]: r for r in parse("cisco_ios", "show interfaces status", text)}
    assert len(rows) == 28
    assert rows["Gi1/0/3"]["name"] == "Can bo 1"
    assert rows["Gi1/0/3"]["vlan_id"] == "20"
    assert rows["Gi1/0/3"]["status"] == "connected"
    assert rows["Gi1/0/24"]["status"] == "disabled"
    assert rows["Gi1/0/24"]["vlan_id"] == "trunk"
    assert rows["Gi1/0/10"]["status"] == "notconnect"


@pytest.mark.parametrize("which", ["switch", "router"])
def test_ios_show_ip_interface_brief(which: str, request: pytest.FixtureRequest) -> None:
    con: Console = request.getfixturevalue(which)
    text = output(con, "show ip interface brief")
    rows = {r["interface"]: r for r in parse("cisco_ios", "show ip interface brief", text)}
    mgmt = "Vlan10" if which == "switch" else "GigabitEthernet0/0/1"
    assert rows[mgmt]["ip_address"] == "10.64.114.2"
    assert rows[mgmt]["status"] == "up"
    if which == "switch":
        assert rows["GigabitEthernet1/0/24"]["status"] == "administratively down"
        assert rows["Vlan1"]["status"] == "administratively down"


def test_ios_show_archive(switch: Console) -> None:
    rows = parse("cisco_ios", "show archive", output(switch, "show archive"))
    assert rows[0]["filenames"] == ["flash:archive-1", "flash:archive-2"]
    assert rows[0]["next_filename"] == "flash:archive-3"
    assert rows[0]["current_index"] == "2"


def vrp_console(platform: str, model: str) -> tuple[Device, Console]:
    device = VrpDevice(spec(platform, model), clock=FakeClock())
    con = Console(Terminal(device, device.open_shell("admin")))
    con.run("screen-length 0 temporary", "system-view", "vlan batch 20 30")
    con.run("vlan 20", "description CANBO", "interface GigabitEthernet0/0/3")
    con.run("port link-type access", "port default vlan 20", "interface GigabitEthernet0/0/5")
    con.run("shutdown", "commit" if platform == "huawei_vrpv8" else "quit", "return")
    return device, con


VRP_MODELS = [
    ("huawei_vrp", "S5720-28X-SI-AC"),
    ("huawei_vrpv8", "S5735-L24T4X-A"),
    ("huawei_vrp", "AR651"),
]


@pytest.mark.parametrize(("platform", "model"), VRP_MODELS)
def test_vrp_display_version(platform: str, model: str) -> None:
    _, con = vrp_console(platform, model)
    rows = parse("huawei_vrp", "display version", output(con, "display version"))
    assert rows[0]["vrp_version"] == ("8.180" if platform == "huawei_vrpv8" else "5.170")
    assert rows[0]["model"].startswith(model)
    assert rows[0]["uptime"] == "0 week, 0 minutes"


@pytest.mark.parametrize(("platform", "model"), VRP_MODELS[:2])
def test_vrp_display_vlan(platform: str, model: str) -> None:
    _, con = vrp_console(platform, model)
    rows = {
        r["vlan_id"]: r for r in parse("huawei_vrp", "display vlan", output(con, "display vlan"))
    }
    assert set(rows) == {"1", "10", "20", "30"}
    assert rows["20"]["vlan_description"] == "CANBO"
    assert rows["10"]["vlan_description"] == "MGMT"
    assert rows["30"]["vlan_description"] == "VLAN 0030"
    assert rows["20"]["interface"] == ["GE0/0/3"]
    assert rows["20"]["mode"] == "UT"


@pytest.mark.parametrize(("platform", "model"), VRP_MODELS)
def test_vrp_display_interface_brief(platform: str, model: str) -> None:
    _, con = vrp_console(platform, model)
    text = output(con, "display interface brief")
    rows = {r["interface"]: r for r in parse("huawei_vrp", "display interface brief", text)}
    assert rows["GigabitEthernet0/0/1"]["phy"] == "up"
    assert rows["NULL0"]["protocol"] == "up(s)"
    if model != "AR651":
        assert rows["GigabitEthernet0/0/5"]["phy"] == "*down"
        assert rows["GigabitEthernet0/0/10"]["phy"] == "down"
        assert rows["Vlanif10"]["phy"] == "up"
