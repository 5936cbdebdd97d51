"""A push stops where the device says no: a line that can change the mode ends its write
and its answer is read before anything else is sent, so a refused ``interface`` line never
lets the interface's lines run in the global mode."""

from __future__ import annotations

import pytest

from communet.lab.core import DeviceSpec
from communet.lab.ios import IosDevice
from communet.session.netmiko_session import LineRejectedError, push_blocks
from tests.apply.inprocess import InProcessConnector
from tests.lab.corpus import real_configs

EXITS = frozenset({"exit", "end"})


def test_a_mode_changing_line_ends_its_write() -> None:
    lines = [
        "interface GigabitEthernet1/0/1",
        " description uplink",
        " switchport mode trunk",
        "exit",
        "hostname sw",
        "ntp server 10.0.0.1",
        "interface GigabitEthernet0/2",
        " shutdown",
        "exit",
    ]
    assert list(push_blocks(lines, 64, EXITS)) == [
        (0, ["interface GigabitEthernet1/0/1"]),
        (1, [" description uplink", " switchport mode trunk", "exit"]),
        (4, ["hostname sw", "ntp server 10.0.0.1", "interface GigabitEthernet0/2"]),
        (7, [" shutdown", "exit"]),
    ]


def test_a_mode_changing_line_at_the_window_edge_still_ends_the_write() -> None:
    lines = ["hostname sw", "ntp server 10.0.0.1", "interface Gi0/1", " shutdown", "exit"]
    assert list(push_blocks(lines, 2, EXITS)) == [
        (0, ["hostname sw", "ntp server 10.0.0.1"]),
        (2, ["interface Gi0/1"]),
        (3, [" shutdown", "exit"]),
    ]


def test_lines_that_keep_the_mode_share_a_write_up_to_the_window() -> None:
    lines = [f"ntp server 10.0.0.{n}" for n in range(1, 6)]
    assert list(push_blocks(lines, 2, EXITS)) == [(0, lines[:2]), (2, lines[2:4]), (4, lines[4:])]
    assert list(push_blocks([], 2, EXITS)) == []


def test_a_refused_interface_line_stops_the_push_before_its_lines() -> None:
    """An IOL switch of the corpus has Ethernet0/x ports: ``interface GigabitEthernet1/0/1``
    is refused, and its description and trunk mode are never typed (in global mode the
    trunk line would be refused too, the description would be silently wrong)."""
    config = next(c for c in real_configs() if c.name == "warmoni--lab04-sw2")
    device = IosDevice(DeviceSpec(hostname="sw2", platform="cisco_ios"))
    device.load_config(config.text)
    before = device.state.running.copy()
    connector = InProcessConnector(device, "tech", "corpus-line", enable="corpus-enable")
    session = connector.open("sw2", "cisco_ios")
    session.begin(0)
    typed_before = connector.terminals[0]._lines_in
    lines = [
        "interface GigabitEthernet1/0/1",
        " description uplink VNPT",
        " switchport mode trunk",
        "exit",
        "ntp server 10.0.0.1",
    ]
    with pytest.raises(LineRejectedError) as caught:
        session.push(lines)
    error = caught.value
    assert error.command == "interface GigabitEthernet1/0/1"
    assert (error.line, error.total, error.sent) == (1, 5, 1)
    assert "% Invalid input detected at '^' marker." in str(error)
    assert str(error).startswith("sw2: 'interface GigabitEthernet1/0/1': the device answered")
    assert "description uplink VNPT" not in [line.strip() for line in device.state.running.lines()]
    assert device.state.running.lines() == before.lines()
    assert connector.terminals[0]._lines_in == typed_before + 1


def test_a_refused_interface_line_that_shares_a_write_still_stops_before_its_lines() -> None:
    """The global line before ``interface`` goes in the same write (it cannot change the
    mode); the refused ``interface`` line ends that write, so its lines are never typed."""
    config = next(c for c in real_configs() if c.name == "warmoni--lab04-sw2")
    device = IosDevice(DeviceSpec(hostname="sw2", platform="cisco_ios"))
    device.load_config(config.text)
    connector = InProcessConnector(device, "tech", "corpus-line", enable="corpus-enable")
    session = connector.open("sw2", "cisco_ios")
    session.begin(0)
    typed_before = connector.terminals[0]._lines_in
    lines = [
        "ntp server 10.0.0.1",
        "interface GigabitEthernet1/0/1",
        " description uplink VNPT",
        " switchport mode trunk",
        "exit",
    ]
    with pytest.raises(LineRejectedError) as caught:
        session.push(lines)
    error = caught.value
    assert error.command == "interface GigabitEthernet1/0/1"
    assert (error.line, error.total, error.sent) == (2, 5, 2)
    assert str(error).startswith("sw2: 'interface GigabitEthernet1/0/1': the device answered")
    assert "(line 2 of 5)" in str(error)
    running = [line.strip() for line in device.state.running.lines()]
    assert "ntp server 10.0.0.1" in running
    assert "description uplink VNPT" not in running
    assert connector.terminals[0]._lines_in == typed_before + 2


def test_a_multi_line_banner_is_one_write_whatever_the_window() -> None:
    """Its text lines get no prompt: a write that ended inside it would wait for nothing
    (the console types one line per write)."""
    lines = ["hostname sw", "banner login ^C", "WARNING", "CANH BAO", "^C", "ntp server 1.1.1.1"]
    assert list(push_blocks(lines, 1, EXITS)) == [
        (0, ["hostname sw"]),
        (1, ["banner login ^C", "WARNING", "CANH BAO", "^C"]),
        (5, ["ntp server 1.1.1.1"]),
    ]
    assert list(push_blocks(["banner motd ^Cone line^C", "x"], 1, EXITS)) == [
        (0, ["banner motd ^Cone line^C"]),
        (1, ["x"]),
    ]
