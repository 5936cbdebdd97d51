"""A RoomOS codec in the lab refuses what its product/version lacks; the session layer (real
SSH, netmiko ``cisco_tp``) reports the refused line with the codec's own answer."""

from __future__ import annotations

import pytest

from communet.lab import Lab
from communet.lab.core import DeviceSpec
from communet.session.netmiko_session import LineRejectedError
from tests.session.conftest import connect, device

LAB_DEVICES = [
    device("codec-roomos11", "cisco_roomos"),
    DeviceSpec(
        **{**device("codec-ce8", "cisco_roomos").__dict__, "model": "SX20", "firmware": "ce8"}
    ),
]


def test_a_setting_the_version_lacks_is_a_rejected_line(lab: Lab) -> None:
    host = "codec-roomos11"
    bad = "xConfiguration H323 Gatekeeper Discovery: Manual"
    lines = ["xConfiguration Network 1 QoS Diffserv Audio: 46", bad]
    with connect(lab, host) as session:
        before = session.fetch_running()
        session.begin(5)
        with pytest.raises(LineRejectedError) as caught:
            session.push(lines)
        session.abort()
        after = session.fetch_running()
    assert str(caught.value) == (
        f"{host}: {bad!r}: the device answered "
        '"*r Configuration (status=Error): '
        '*r Configuration Reason: "No match on address expression." '
        '*r Configuration XPath: "Configuration/H323/Gatekeeper/Discovery" ERROR" '
        "(line 2 of 2)"
    )
    assert after == before  # the accepted first line was written back


def test_the_same_line_is_taken_by_a_ce8_codec(lab: Lab) -> None:
    with connect(lab, "codec-ce8") as session:
        session.begin(5)
        session.push(["xConfiguration H323 Gatekeeper Discovery: Manual"])
        session.confirm()
        running = session.fetch_running()
    assert "*c xConfiguration H323 Gatekeeper Discovery: Manual" in running
