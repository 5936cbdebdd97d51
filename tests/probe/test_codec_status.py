"""The xStatus parser reads both status trees: TC/CE8 (``SIP Profile 1 Registration 1``) and
CE9/RoomOS (``SIP Registration 1``), in the xAPI terminal's output form (``*s path: value``,
CRLF line ends, quoted strings, ``** end`` then ``OK``). The status values are those the
Cisco xAPI reference lists: SIP Deregister/Failed/Inactive/Registered/Registering, H.323
Required/Discovering/.../Registered/Inactive/Rejected."""

from __future__ import annotations

import pytest

from communet.probe.codec import parse_status

ROOMOS = (
    "xStatus SIP\r\n"
    '*s SIP AlternateURI Alias 1 URI: ""\r\n'
    "*s SIP Authentication: Off\r\n"
    '*s SIP Proxy 1 Address: "10.38.250.10"\r\n'
    "*s SIP Proxy 1 Status: Active\r\n"
    '*s SIP Registration 1 Reason: ""\r\n'
    "*s SIP Registration 1 Status: Registered\r\n"
    '*s SIP Registration 1 URI: "dinh-hai-vc1@hnth.thanhhoa.gov.vn"\r\n'
    "** end\r\n\r\nOK\r\n"
)
TC7 = (
    "*s SIP Profile 1 Proxy 1 Status: Active\r\n"
    '*s SIP Profile 1 Proxy 1 Address: "10.38.250.10"\r\n'
    "*s SIP Profile 1 Registration 1 Status: Failed\r\n"
    '*s SIP Profile 1 Registration 1 Reason: "404 Not Found"\r\n'
    "** end\r\n\r\nOK\r\n"
    "*s H323 Gatekeeper Status: Registered\r\n"
    '*s H323 Gatekeeper Address: "10.38.250.11"\r\n'
    "** end\r\n\r\nOK\r\n"
    "*s SystemUnit Uptime: 4242\r\n"
    "** end\r\n\r\nOK\r\n"
)


def test_roomos_flat_path() -> None:
    status = parse_status(ROOMOS)
    assert status.sip == "Registered"
    assert status.sip_registered
    assert status.h323 is None
    assert not status.h323_registered


def test_tc_profile_path_h323_and_uptime() -> None:
    status = parse_status(TC7)
    assert status.sip == "Failed"
    assert not status.sip_registered
    assert status.h323 == "Registered"
    assert status.h323_registered
    assert status.uptime == 4242


@pytest.mark.parametrize("value", ["Deregister", "Failed", "Inactive", "Registering"])
def test_every_other_sip_state_is_not_registered(value: str) -> None:
    status = parse_status(f"*s SIP Registration 1 Status: {value}\n** end\nOK\n")
    assert status.sip == value
    assert not status.sip_registered


def test_a_second_registration_does_not_override_the_first() -> None:
    text = "*s SIP Registration 1 Status: Registered\n*s SIP Registration 2 Status: Failed\n"
    assert parse_status(text).sip == "Registered"
