"""Every platform over real SSH: fetch, push + confirm + save, rejected lines, abort.

Each test works on its own device (``<platform>-<purpose>``), so the module's lab can be
shared by tests running in any order.
"""

from __future__ import annotations

import pytest

from communet.lab import Lab
from communet.platforms import get_platform
from communet.session import CommandRejectedError, DeviceSession
from communet.session.netmiko_session import LineRejectedError
from tests.session.conftest import PLATFORMS, connect, device

PURPOSES = ("fetch", "persist", "invalid", "fault", "abort", "abortend", "speed")
LAB_DEVICES = [device(f"{p}-{what}", p) for p in PLATFORMS for what in PURPOSES]

GOOD = {
    "cisco_ios": [
        "interface GigabitEthernet1/0/5",
        " description Can bo 5",
        "ntp server 10.0.0.123",
    ],
    "huawei_vrp": [
        "interface GigabitEthernet0/0/5",
        " description Can bo 5",
        "ntp-service unicast-server 10.0.0.123",
    ],
    "huawei_vrpv8": [
        "interface GigabitEthernet0/0/5",
        " description Can bo 5",
        "ntp-service unicast-server 10.0.0.123",
    ],
    "cisco_roomos": [
        'xConfiguration SystemUnit Name: "Phong hop UBND"',
        "xConfiguration Network 1 QoS Diffserv Audio: 46",
    ],
}
# What the running config shows once GOOD is in.
SHOWN = {
    "cisco_ios": [
        "interface GigabitEthernet1/0/5\n description Can bo 5\n",
        "\nntp server 10.0.0.123\n",
    ],
    "huawei_vrp": [  # V200R005 and later print global commands unindented (real captures)
        "interface GigabitEthernet0/0/5\n description Can bo 5\n",
        "\nntp-service unicast-server 10.0.0.123\n",
    ],
    "huawei_vrpv8": [
        "interface GigabitEthernet0/0/5\n description Can bo 5\n",
        "\nntp-service unicast-server 10.0.0.123\n",
    ],
    "cisco_roomos": [
        '*c xConfiguration SystemUnit Name: "Phong hop UBND"\n',
        "*c xConfiguration Network 1 QoS Diffserv Audio: 46\n",
    ],
}
# The second line is invalid; the third is typed in the same block.
INVALID = {
    "cisco_ios": ["interface GigabitEthernet1/0/6", " switchport mode bogus", " description after"],
    "huawei_vrp": ["interface GigabitEthernet0/0/6", " port link-type bogus", " description x"],
    "huawei_vrpv8": ["interface GigabitEthernet0/0/6", " port link-type bogus", " description x"],
    "cisco_roomos": [
        "xConfiguration Network 1 QoS Diffserv Video: 34",
        "xConfiguration Network 1 QoS Diffserv Audio: 99",
        "xConfiguration Network 1 QoS Diffserv Data: 0",
    ],
}
INVALID_ANSWER = {
    "cisco_ios": "% Invalid input detected at '^' marker.",
    "huawei_vrp": "Error: Unrecognized command found at '^' position.",
    "huawei_vrpv8": "Error: Unrecognized command found at '^' position.",
    "cisco_roomos": (
        '*r Configuration (status=Error): *r Configuration Reason: "Illegal value" '
        '*r Configuration XPath: "Configuration/Network[1]/QoS/Diffserv/Audio" ERROR'
    ),
}
FAULT_ANSWER = {
    "cisco_ios": "% Invalid input detected at '^' marker.",
    "huawei_vrp": "Error: Unrecognized command found at '^' position.",
    "huawei_vrpv8": "Error: Unrecognized command found at '^' position.",
    "cisco_roomos": "Command not recognized.",
}
# (first line, last line) of the running config as fetched: no echo, no prompt, no pager.
EDGES = {
    "cisco_ios": ("Building configuration...", "end"),
    "huawei_vrp": ("!Software Version V200R019C10SPC500", "return"),
    "huawei_vrpv8": ("!Software Version V200R022C00SPC500", "return"),
    "cisco_roomos": ("*c xConfiguration Apps WallpaperBundles HalfwakeImage: Auto", "OK"),
}


def change(session: DeviceSession, lines: list[str]) -> None:
    session.begin(5)
    session.push(lines)
    session.end(5)
    session.confirm()


@pytest.mark.parametrize("platform", PLATFORMS)
def test_fetch_running_is_the_whole_config_without_echo_prompt_or_pager(
    lab: Lab, platform: str
) -> None:
    host = f"{platform}-fetch"
    with connect(lab, host) as session:
        running = session.fetch_running()
        again = session.fetch_running()
    lines = running.splitlines()
    assert (lines[0], lines[-1]) == EDGES[platform]
    assert "More" not in running
    assert host not in lines[-1]
    assert len(lines) > 30  # longer than one IOS/VRP page: the pager is off
    assert again == running or platform == "cisco_ios"  # IOS prints the time of the last change


@pytest.mark.parametrize("platform", PLATFORMS)
def test_push_confirm_save_persists_across_sessions_and_a_reboot(lab: Lab, platform: str) -> None:
    host = f"{platform}-persist"
    with connect(lab, host) as session:
        change(session, GOOD[platform])
        session.save()
        assert session.mode == "exec"
        assert not session.armed
    for _ in range(2):
        with connect(lab, host) as session:
            running = session.fetch_running()
        for shown in SHOWN[platform]:
            assert shown in running
        lab.reboot(host)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_an_invalid_line_is_named_with_the_devices_own_error(lab: Lab, platform: str) -> None:
    host = f"{platform}-invalid"
    with connect(lab, host) as session:
        session.begin(5)
        with pytest.raises(LineRejectedError) as caught:
            session.push(INVALID[platform])
        session.abort()
        assert session.fetch_running()  # the session is still usable
    error = caught.value
    bad = INVALID[platform][1]
    assert str(error) == (
        f'{host}: {bad!r}: the device answered "{INVALID_ANSWER[platform]}" '
        "(line 2 of 3; line 3 was sent with it)"
    )
    assert (error.host, error.command, error.line, error.total, error.sent) == (host, bad, 2, 3, 3)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_command_the_device_rejects_raises_command_rejected(lab: Lab, platform: str) -> None:
    host = f"{platform}-fault"
    rejected = GOOD[platform][-1]
    lab.set_fault(host, reject=(rejected.strip(),))
    try:
        with connect(lab, host) as session:
            session.begin(5)
            with pytest.raises(CommandRejectedError) as caught:
                session.push(GOOD[platform])
            session.abort()
    finally:
        lab.clear_faults(host)
    total = len(GOOD[platform])
    assert str(caught.value) == (
        f'{host}: {rejected!r}: the device answered "{FAULT_ANSWER[platform]}" '
        f"(line {total} of {total})"
    )


# VRP5 has no rollback primitive: abort() only leaves system-view; the engine restores from
# its backup (the planner's rollback). Every other platform is back where it was.
RESTORES = {"cisco_ios": True, "huawei_vrp": False, "huawei_vrpv8": True, "cisco_roomos": True}


@pytest.mark.parametrize("platform", PLATFORMS)
def test_abort_in_the_middle_of_a_change_restores_the_running_config(
    lab: Lab, platform: str
) -> None:
    host = f"{platform}-abort"
    with connect(lab, host) as session:
        change(session, [])  # IOS: the first begin() adds the archive the revert timer needs
        before = session.fetch_running()
        session.begin(5)
        session.push(GOOD[platform])
        session.abort()
        assert session.mode == "exec"
        after = session.fetch_running()
    if RESTORES[platform]:
        assert _config(after, platform) == _config(before, platform)
    else:
        assert all(shown in after for shown in SHOWN[platform])


@pytest.mark.parametrize("platform", PLATFORMS)
def test_abort_after_end_rolls_the_pending_trial_back(lab: Lab, platform: str) -> None:
    host = f"{platform}-abortend"
    with connect(lab, host) as session:
        change(session, [])
        before = session.fetch_running()
        session.begin(5)
        session.push(GOOD[platform])
        session.end(5)
        middle = session.fetch_running()
        session.abort()
        after = session.fetch_running()
    assert all(shown in middle for shown in SHOWN[platform])
    if RESTORES[platform]:
        assert _config(after, platform) == _config(before, platform)
    with connect(lab, host) as session:  # and it stays rolled back: nothing pending
        assert _config(session.fetch_running(), platform) == _config(after, platform)


def _config(text: str, platform: str) -> list[str]:
    """The config without what the platform says carries no configuration (IOS timestamps)."""
    syntax = get_platform(platform).syntax
    assert syntax is not None
    return [line for line in text.splitlines() if not syntax.ignored(line)]
