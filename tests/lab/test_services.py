"""The province services the lab stands in for in network mode, and the codec's ports as its
configuration opens them (pure: the sockets are exercised by tests/readiness and
tests/probe/test_ntp.py)."""

from __future__ import annotations

from communet.lab.roomos import RoomosDevice
from communet.lab.services import H323, HTTPS, SIP, SIPS, ServiceSpec, services_from_inventory
from tests.lab.conftest import REPO, spec


def test_services_of_the_thanh_hoa_province() -> None:
    found = services_from_inventory(REPO / "inventory" / "thanh-hoa")
    assert found == [
        ServiceSpec("registrar mcu-tinh", "10.250.38.10", (HTTPS, SIP, SIPS)),
        ServiceSpec("gatekeeper mcu-tinh", "10.250.38.11", (H323,)),
        ServiceSpec("ntp", "10.250.38.1", ntp=True),
        ServiceSpec("ntp", "10.250.38.2", ntp=True),
    ]


def test_codec_ports_follow_its_configuration() -> None:
    codec = RoomosDevice(spec("cisco_roomos", "Room Kit", "vc"))
    # RoomOS defaults: web server on HTTPS, no inbound SIP listener, H.323 off
    assert codec.listening_ports() == {HTTPS}
    codec.load_config(
        "xConfiguration SIP ListenPort: On\nxConfiguration NetworkServices H323 Mode: On\n"
    )
    assert codec.listening_ports() == {HTTPS, SIP, SIPS, H323}
    codec.load_config(
        "xConfiguration NetworkServices HTTP Mode: Off\n"
        "xConfiguration NetworkServices SIP Mode: Off\n"
    )
    assert codec.listening_ports() == {H323}
