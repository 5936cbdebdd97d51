"""The safe-change primitives really arm on the device, pushes are blocks split by echo, and
the whole thing is fast: a 60-line change well under a second against the lab."""

from __future__ import annotations

import re
import time

import pytest

from communet.lab import Lab
from communet.lab.ios import IosDevice
from communet.lab.vrp import VrpDevice
from communet.session import CommandRejectedError, SessionDroppedError
from communet.session.netmiko_session import LineRejectedError
from tests.session.conftest import PLATFORMS, connect, device

LAB_DEVICES = [
    device("ios-expire", "cisco_ios"),
    device("ios-prep", "cisco_ios"),
    device("ios-oldios", "cisco_ios"),
    device("ios-banner", "cisco_ios"),
    device("ios-window", "cisco_ios"),
    device("ios-motd", "cisco_ios"),
    device("ios-notrial", "cisco_ios"),
    device("ios-question", "cisco_ios"),
    device("vrpv8-notrial", "huawei_vrpv8"),
    device("vrpv8-expire", "huawei_vrpv8"),
    *(device(f"{p}-sixty", p) for p in PLATFORMS),
]


def wait_for(condition: object, seconds: float = 5.0) -> None:
    assert callable(condition)
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the device never rolled back"
        time.sleep(0.1)


def test_ios_begin_arms_the_revert_timer_and_the_device_rolls_back_unconfirmed(
    lab: Lab,
) -> None:
    host = "ios-expire"
    ios = lab.device(host)
    assert isinstance(ios, IosDevice)
    with connect(lab, host) as session:
        session.begin(5)
        session.push(["ntp server 10.0.0.77"])
        session.end(5)
        assert session.armed
        assert session.archive == "flash:communet-archive-1"
        assert lab.call(lambda: ios.state.revert is not None)

        def expire() -> None:
            assert ios.state.revert is not None
            ios.state.revert.deadline = 0.0

        lab.call(expire)
        wait_for(lambda: lab.call(lambda: ios.state.revert is None))
        assert "ntp server 10.0.0.77" not in session.fetch_running()
        with pytest.raises(CommandRejectedError) as late:
            session.confirm()
    assert str(late.value) == (
        "ios-expire: 'configure confirm': too late: the trial had expired and the device had "
        "already rolled the change back"
    )


def test_vrpv8_end_commits_a_trial_that_expires_unless_confirmed(lab: Lab) -> None:
    host = "vrpv8-expire"
    vrp = lab.device(host)
    assert isinstance(vrp, VrpDevice)
    with connect(lab, host) as session:
        session.begin(2)
        session.push(["ntp-service unicast-server 10.0.0.77"])
        with connect(lab, host) as other:  # still a candidate: running is unchanged
            assert "10.0.0.77" not in other.fetch_running()
        session.end(2)
        assert "ntp-service unicast-server 10.0.0.77" in session.fetch_running()
        assert lab.call(lambda: vrp.trial is not None and vrp.trial.deadline - time.time() > 100)

        def expire() -> None:
            assert vrp.trial is not None
            vrp.trial.deadline = 0.0

        lab.call(expire)
        wait_for(lambda: lab.call(lambda: vrp.trial is None))
        assert "10.0.0.77" not in session.fetch_running()


@pytest.mark.parametrize("host", ["ios-notrial", "vrpv8-notrial"])
def test_zero_trial_minutes_changes_without_a_trial(lab: Lab, host: str) -> None:
    dev = lab.device(host)
    line = (
        "ntp server 10.0.0.90" if host.startswith("ios") else "ntp-service unicast-server 10.0.0.90"
    )
    with connect(lab, host) as session:
        session.begin(0)
        session.push([line])
        session.end(0)
        assert not session.armed
        assert line in session.fetch_running()
    if isinstance(dev, IosDevice):
        assert lab.call(lambda: dev.state.revert is None)
        assert "\narchive\n" not in session_running(lab, host)
    else:
        assert isinstance(dev, VrpDevice)
        assert lab.call(lambda: dev.trial is None)


def session_running(lab: Lab, host: str) -> str:
    with connect(lab, host) as session:
        return session.fetch_running()


def test_ios_begin_adds_the_archive_the_revert_timer_needs_once(lab: Lab) -> None:
    host = "ios-prep"
    with connect(lab, host) as session:
        assert "\narchive\n" not in session.fetch_running()
        session.begin(5)
        session.end(5)
        session.confirm()
        running = session.fetch_running()
        assert "archive\n path flash:communet-archive\n" in running
        sent = session.lines_sent
        session.begin(5)  # now it is there: one command starts the trial
        assert session.lines_sent == sent + 1
        session.abort()
    with connect(lab, host, prepare_trial=False) as session:
        session.begin(5)
        session.abort()


def test_ios_abort_falls_back_to_configure_replace_without_revert_now(lab: Lab) -> None:
    host = "ios-oldios"
    with connect(lab, host) as session:
        session.begin(5)
        session.end(5)
        session.confirm()
        before = session.fetch_running()
        lab.set_fault(host, reject=("configure revert",))  # an IOS without 'revert now'
        try:
            session.begin(5)
            session.push(["ntp server 10.0.0.78", "snmp-server location Tang 2"])
            session.end(5)
            session.abort()
        finally:
            lab.clear_faults(host)
        after = session.fetch_running()
    assert "10.0.0.78" not in after
    assert "Tang 2" not in after
    assert [x for x in after.splitlines() if "configuration" not in x] == [
        x for x in before.splitlines() if "configuration" not in x
    ]


def test_a_banner_inside_a_block_keeps_errors_attributed_to_their_line(lab: Lab) -> None:
    host = "ios-banner"
    lines = [
        "banner motd ^C",
        "CANH BAO: chi nguoi duoc phep moi duoc truy cap.",
        "^C",
        "ntp server 10.0.0.79",
        "frobnicate 10.0.0.80",
        "snmp-server contact NOC",
    ]
    with connect(lab, host) as session:
        session.begin(5)
        with pytest.raises(LineRejectedError) as caught:
            session.push(lines)
        session.end(5)
        session.confirm()
        running = session.fetch_running()
    assert (caught.value.line, caught.value.command) == (5, "frobnicate 10.0.0.80")
    assert "banner motd ^C\nCANH BAO: chi nguoi duoc phep moi duoc truy cap.\n^C\n" in running
    assert "ntp server 10.0.0.79" in running


def test_a_motd_that_quotes_our_commands_does_not_confuse_the_login(lab: Lab) -> None:
    host = "ios-motd"
    motd = ["banner motd ^C", "enable", "terminal length 0", "ios-motd#", "^C"]
    with connect(lab, host) as session:
        session.begin(5)
        session.push(motd)
        session.end(5)
        session.confirm()
    for _ in range(3):
        with connect(lab, host) as session:
            running = session.fetch_running()
            assert running.startswith("Building configuration...")
            assert "banner motd ^C\nenable\nterminal length 0\nios-motd#\n^C" in running
            assert session.fetch_running().splitlines()[-1] == "end"


def test_a_pushed_line_that_asks_a_question_stops_the_push_at_once(lab: Lab) -> None:
    host = "ios-question"
    with connect(lab, host) as session:
        session.begin(5)
        began = time.monotonic()
        with pytest.raises(CommandRejectedError) as caught:
            session.push(["do reload", "ntp server 10.0.0.91"])
        assert time.monotonic() - began < 1.0  # not a read timeout
        with pytest.raises(SessionDroppedError):
            session.abort()
    # IOS asks to save first when running differs from startup, else to confirm.
    asked = (
        r"Proceed with reload\? \[confirm\]"
        r"|System configuration has been modified\. Save\? \[yes/no\]:"
    )
    assert re.fullmatch(
        rf"ios-question: 'do reload': the device asked \"(?:{asked})\" and there is no answer "
        r"for that question \(line 1 of 2\); the session was closed",
        str(caught.value),
    )
    assert lab.device(host).boots == 1  # the typed-ahead line did not confirm a reload


def test_window_one_types_one_line_per_round_trip_and_stops_at_the_error(lab: Lab) -> None:
    host = "ios-window"
    with connect(lab, host, window=1) as session:
        session.begin(5)
        with pytest.raises(LineRejectedError) as caught:
            session.push(["ntp server 10.0.0.81", "frobnicate 10.0.0.82", "ntp server 10.0.0.83"])
        session.end(5)
        session.confirm()
        running = session.fetch_running()
    assert str(caught.value).endswith("(line 2 of 3)")
    assert caught.value.sent == 2
    assert "10.0.0.81" in running
    assert "10.0.0.83" not in running


SIXTY = {
    "cisco_ios": [
        line
        for port in range(1, 25)
        for line in (f"interface GigabitEthernet1/0/{port}", f" description Cong {port}")
    ]
    + [line for vlan in range(101, 107) for line in (f"vlan {vlan}", f" name V{vlan}")],
    "huawei_vrp": [
        line
        for port in range(1, 25)
        for line in (f"interface GigabitEthernet0/0/{port}", f" description Cong {port}")
    ]
    + [line for vlan in range(101, 107) for line in (f"vlan {vlan}", f" description V{vlan}")],
    "cisco_roomos": [
        f"xConfiguration Network 1 QoS Diffserv {kind}: {value}"
        for value in range(10)
        for kind in ("Audio", "Video", "Data", "Signalling", "ICMPv6", "NTP")
    ],
}
SIXTY["huawei_vrpv8"] = SIXTY["huawei_vrp"]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_sixty_line_change_takes_well_under_a_second(lab: Lab, platform: str) -> None:
    host = f"{platform}-sixty"
    assert len(SIXTY[platform]) == 60
    with connect(lab, host) as session:
        began = time.perf_counter()
        session.begin(5)
        session.push(SIXTY[platform])
        session.end(5)
        session.confirm()
        elapsed = time.perf_counter() - began
        session.save()
        running = session.fetch_running()
    # Typically 5-30 ms; the bound leaves room for a loaded CI machine.
    assert elapsed < 1.0, f"{platform}: a 60-line change (trial included) took {elapsed:.2f} s"
    assert SIXTY[platform][-1].strip().split(":")[0] in running
