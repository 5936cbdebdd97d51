"""Cisco TC/CE/RoomOS xAPI engine: built from Cisco's schema data per product and version."""

from __future__ import annotations

import pytest

from communet.lab.core import Terminal
from communet.lab.roomos import RoomosDevice, xpath
from tests.lab.conftest import REGISTRAR, Console, FakeClock, spec


def console(
    clock: FakeClock, firmware: str, model: str = "Room Kit"
) -> tuple[RoomosDevice, Console]:
    device = RoomosDevice(
        spec("cisco_roomos", model, firmware=firmware, registrars=(REGISTRAR,)), clock=clock
    )
    return device, Console(Terminal(device, device.open_shell("admin")))


def test_login_banner_ends_with_ok(clock: FakeClock) -> None:
    _, con = console(clock, "ce9")
    assert "*r Login successful\n\nOK\n" in con.banner


@pytest.mark.parametrize(
    ("firmware", "model", "good", "bad"),
    [
        ("tc", "SX20", "SIP Profile 1 URI", "SIP URI"),
        ("ce8", "SX20", "H323 Gatekeeper Address", "H323 Profile 1 Gatekeeper Address"),
        ("ce9", "Room Kit", "SIP URI", "SIP Profile 1 URI"),
        ("roomos", "Room Kit", "H323 Gatekeeper Address", "H323 Profile 1 Gatekeeper Address"),
    ],
)
def test_paths_follow_the_firmware_family(
    clock: FakeClock, firmware: str, model: str, good: str, bad: str
) -> None:
    _, con = console(clock, firmware, model)
    assert con.send(f'xConfiguration {good}: "vc@mcu.example.vn"') == "** end\n\nOK\n"
    assert con.send(f'xConfiguration {bad}: "vc@mcu.example.vn"') == (
        "*r Configuration (status=Error): \n"
        '*r Configuration Reason: "No match on address expression."\n'
        f'*r Configuration XPath: "{xpath("Configuration", bad)}"\n'
        "** end\n\nERROR\n"
    )
    assert con.send(f"xConfiguration {good}") == (
        f'*c xConfiguration {good}: "vc@mcu.example.vn"\n** end\n\nOK\n'
    )


def test_a_path_the_version_lacks_is_refused_in_the_real_reply_format(clock: FakeClock) -> None:
    # No CE9 or RoomOS schema has a gatekeeper discovery setting; TC and CE8 have one.
    _, roomos = console(clock, "roomos11")
    assert roomos.send("xConfiguration H323 Gatekeeper Discovery: Manual") == (
        "*r Configuration (status=Error): \n"
        '*r Configuration Reason: "No match on address expression."\n'
        '*r Configuration XPath: "Configuration/H323/Gatekeeper/Discovery"\n'
        "** end\n\nERROR\n"
    )
    _, ce8 = console(clock, "ce8", "SX20")
    assert ce8.send("xConfiguration H323 Gatekeeper Discovery: Manual") == "** end\n\nOK\n"


def test_which_settings_exist_depends_on_the_product(clock: FakeClock) -> None:
    # CE 9.12: Telnet exists on SX/MX/DX hardware, not on a Room Kit Mini.
    _, sx20 = console(clock, "ce9.12", "SX20")
    _, mini = console(clock, "ce9.12", "Room Kit Mini")
    assert sx20.send("xConfiguration NetworkServices Telnet Mode: Off") == "** end\n\nOK\n"
    refused = mini.send("xConfiguration NetworkServices Telnet Mode: Off")
    assert refused.startswith("*r Configuration (status=Error): \n")
    assert '*r Configuration XPath: "Configuration/NetworkServices/Telnet/Mode"' in refused


def test_a_model_the_version_does_not_support_is_refused() -> None:
    with pytest.raises(ValueError, match=r"hopen does not run roomos26\.4\.1"):
        RoomosDevice(spec("cisco_roomos", "Room Kit", firmware="roomos26"))
    with pytest.raises(ValueError, match="no codec model 'Polycom'"):
        RoomosDevice(spec("cisco_roomos", "Polycom", firmware="roomos"))


def test_values_are_validated_against_the_value_space(clock: FakeClock) -> None:
    _, con = console(clock, "ce9")
    assert con.send("xConfiguration Network 1 QoS Diffserv Audio: 46") == "** end\n\nOK\n"
    assert con.send("xConfiguration Network 1 QoS Diffserv Audio: 99") == (
        "*r Configuration (status=Error): \n"
        '*r Configuration Reason: "Illegal value"\n'
        '*r Configuration XPath: "Configuration/Network[1]/QoS/Diffserv/Audio"\n'
        "** end\n\nERROR\n"
    )
    assert con.send("xconfiguration network 1 qos diffserv audio") == (
        "*c xConfiguration Network 1 QoS Diffserv Audio: 46\n** end\n\nOK\n"
    )
    long_id = '"' + "x" * 50 + '"'
    assert con.send(f"xConfiguration H323 H323Alias ID: {long_id}").endswith("ERROR\n")
    assert con.send(f'xConfiguration H323 H323Alias ID: "{"x" * 49}"') == "** end\n\nOK\n"


@pytest.mark.parametrize(
    ("firmware", "model"), [("ce9.12", "Room Kit"), ("roomos10", "Room Kit"), ("roomos26", "Desk")]
)
def test_defaults_are_the_schema_defaults(clock: FakeClock, firmware: str, model: str) -> None:
    device, con = console(clock, firmware, model)
    diffserv = con.send("xConfiguration Network 1 QoS Diffserv")
    for name, value in (("Audio", 46), ("Video", 34), ("Data", 34), ("Signalling", 24)):
        assert f"*c xConfiguration Network 1 QoS Diffserv {name}: {value}\n" in diffserv
    assert device.config["NetworkServices HTTP Mode"] == "HTTPS"
    assert device.config["Logging External Protocol"] == "SyslogTLS"
    assert device.config["Logging External TlsVerify"] == "On"


def test_tc_reports_sip_registration_under_its_profile(clock: FakeClock) -> None:
    _, con = console(clock, "tc", "SX20")
    con.send('xConfiguration SIP Profile 1 URI: "vc@mcu.example.vn"')
    con.send(f'xConfiguration SIP Profile 1 Proxy 1 Address: "{REGISTRAR}"')
    assert con.send("xStatus SIP Profile 1 Registration 1 Status") == (
        "*s SIP Profile 1 Registration 1 Status: Registered\n** end\n\nOK\n"
    )
    assert con.send("xStatus SIP Registration 1 Status") == (
        "*r Status (status=Error): \n"
        '*r Status Reason: "No match on address expression."\n'
        '*r Status XPath: "Status/SIP/Registration[1]/Status"\n'
        "** end\n\nERROR\n"
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
        "OK\n*r DialResult (status=OK): \n*r DialResult CallId: 1\n"
        "*r DialResult ConferenceId: 1\n** end\n"
    )
    assert con.send("xCommand Nonsense Here") == (
        "*r Result (status=Error): \n"
        '*r Result Reason: "Unknown command"\n'
        '*r Result XPath: "/Nonsense/Here"\n'
        "** end\n\nERROR\n"
    )
    assert con.send("frobnicate") == "Command not recognized.\n"


def test_settings_survive_a_reboot(clock: FakeClock) -> None:
    device, con = console(clock, "ce8", "SX20")
    con.send("xConfiguration Network 1 QoS Diffserv Video: 34")
    device.reboot()
    assert device.config["Network 1 QoS Diffserv Video"] == "34"
    device.factory_reset()
    assert device.config["Network 1 QoS Diffserv Video"] == "0"
