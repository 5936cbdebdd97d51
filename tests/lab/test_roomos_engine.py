"""Cisco TC/CE/RoomOS xAPI engine: reply format, firmware families, registration."""

from __future__ import annotations

import pytest

from communet.lab.core import Terminal
from communet.lab.roomos import RoomosDevice
from tests.lab.conftest import REGISTRAR, Console, FakeClock, spec


def console(clock: FakeClock, firmware: str) -> tuple[RoomosDevice, Console]:
    device = RoomosDevice(
        spec("cisco_roomos", "Room Kit", firmware=firmware, registrars=(REGISTRAR,)), clock=clock
    )
    return device, Console(Terminal(device, device.open_shell("admin")))


def test_login_banner_ends_with_ok(clock: FakeClock) -> None:
    _, con = console(clock, "ce9")
    assert "*r Login successful\n\nOK\n" in con.banner


@pytest.mark.parametrize(
    ("firmware", "good", "bad"),
    [
        ("tc", "SIP Profile 1 URI", "SIP URI"),
        ("ce8", "H323 Profile 1 Gatekeeper Address", "H323 Gatekeeper Address"),
        ("ce9", "SIP URI", "SIP Profile 1 URI"),
        ("roomos", "H323 Gatekeeper Address", "H323 Profile 1 Gatekeeper Address"),
    ],
)
def test_paths_follow_the_firmware_family(
    clock: FakeClock, firmware: str, good: str, bad: str
) -> None:
    _, con = console(clock, firmware)
    assert con.send(f'xConfiguration {good}: "vc@mcu.example.vn"') == "** end\n\nOK\n"
    error = con.send(f'xConfiguration {bad}: "vc@mcu.example.vn"')
    assert error.startswith("*r Configuration (status=Error):\n")
    assert "Reason: No match on address expression." in error
    assert error.endswith("** end\n\nERROR\n")
    assert con.send(f"xConfiguration {good}") == (
        f'*c xConfiguration {good}: "vc@mcu.example.vn"\n** end\n\nOK\n'
    )


def test_values_are_validated(clock: FakeClock) -> None:
    _, con = console(clock, "ce9")
    assert con.send("xConfiguration Network 1 QoS Diffserv Audio: 46") == "** end\n\nOK\n"
    assert "Illegal value" in con.send("xConfiguration Network 1 QoS Diffserv Audio: 99")
    assert con.send("xconfiguration network 1 qos diffserv audio") == (
        "*c xConfiguration Network 1 QoS Diffserv Audio: 46\n** end\n\nOK\n"
    )


def test_registration_follows_the_registrars_in_the_lab(clock: FakeClock) -> None:
    _, con = console(clock, "roomos")
    assert "Status: Inactive" in con.send("xStatus SIP Registration 1 Status")
    con.send('xConfiguration SIP URI: "vc@mcu.example.vn"')
    con.send('xConfiguration SIP Proxy 1 Address: "10.99.99.99"')
    assert "Status: Failed" in con.send("xStatus SIP Registration 1 Status")
    con.send(f'xConfiguration SIP Proxy 1 Address: "{REGISTRAR}"')
    assert con.send("xStatus SIP Registration 1 Status") == (
        "*s SIP Registration 1 Status: Registered\n** end\n\nOK\n"
    )


def test_xcommand_prints_ok_before_its_result(clock: FakeClock) -> None:
    _, con = console(clock, "ce9")
    assert con.send('xCommand Dial Number: "1234"') == (
        "OK\n*r DialResult (status=OK):\n    CallId: 1\n    ConferenceId: 1\n** end\n"
    )
    assert con.send("xCommand Nonsense").endswith("ERROR\n")
    assert con.send("frobnicate") == "Command not recognized.\n"


def test_settings_survive_a_reboot(clock: FakeClock) -> None:
    device, con = console(clock, "ce8")
    con.send("xConfiguration Network 1 QoS Diffserv Video: 34")
    device.reboot()
    assert device.config["Network 1 QoS Diffserv Video"] == "34"
    device.factory_reset()
    assert device.config["Network 1 QoS Diffserv Video"] == "0"
