"""How sessions fail, over real SSH: every failure is one of the SessionError subclasses,
names the host (and the command in flight), keeps the transport error as ``__cause__`` and
never shows a password."""

from __future__ import annotations

import socket
from pathlib import Path

import asyncssh
import paramiko
import pytest

from communet.lab import Lab
from communet.lab.server import write_known_hosts
from communet.session import (
    AuthenticationError,
    CommandRejectedError,
    HostKeyError,
    SessionDroppedError,
    SessionError,
    UnreachableError,
)
from communet.session.netmiko_session import Timeouts, open_session
from tests.session.conftest import PLATFORMS, connect, device

LAB_DEVICES = [
    device("ios-down", "cisco_ios"),
    device("ios-auth", "cisco_ios"),
    device("ios-keys", "cisco_ios"),
    device("ios-secret", "cisco_ios"),
    *(device(f"{p}-drop", p) for p in PLATFORMS),
    *(device(f"{p}-slow", p) for p in PLATFORMS),
    *(device(f"{p}-lag", p) for p in PLATFORMS),
]
SECRET = "Mk-Bi-Mat-2025"  # a password that must never show up in an error

# One line per platform, pushed after the first one of the change.
PUSH = {
    "cisco_ios": ["interface GigabitEthernet1/0/7", " description Mot cua", "ntp server 10.0.0.1"],
    "huawei_vrp": ["interface GigabitEthernet0/0/7", " description Mot cua", "undo shutdown"],
    "huawei_vrpv8": ["interface GigabitEthernet0/0/7", " description Mot cua", "undo shutdown"],
    "cisco_roomos": [
        "xConfiguration Network 1 QoS Diffserv Video: 34",
        "xConfiguration Network 1 QoS Diffserv Audio: 46",
        "xConfiguration Network 1 QoS Diffserv Signalling: 24",
    ],
}


def where(lab: Lab, host: str) -> str:
    return f"{lab.addresses[host]}:{lab.port}"


def assert_no_secret(error: BaseException) -> None:
    seen: BaseException | None = error
    while seen is not None:
        assert SECRET not in str(seen)
        assert SECRET not in repr(seen)
        seen = seen.__cause__ or seen.__context__


def test_a_device_that_accepts_tcp_but_never_answers_is_unreachable(lab: Lab) -> None:
    lab.set_fault("ios-down", down=True)
    try:
        with pytest.raises(UnreachableError) as caught:
            connect(lab, "ios-down", timeouts=Timeouts(connect=1.0))
    finally:
        lab.clear_faults("ios-down")
    assert str(caught.value) == f"ios-down: no answer on {where(lab, 'ios-down')} within 1 s"
    assert isinstance(caught.value.__cause__, (paramiko.SSHException, OSError))
    with connect(lab, "ios-down") as session:  # back up: the next session works
        assert session.fetch_running()


def test_an_address_without_ssh_server_refuses_the_connection(lab: Lab) -> None:
    used = set(lab.addresses.values())
    free = next(
        f"{lab.addresses['ios-down'].rsplit('.', 1)[0]}.{n}"
        for n in range(250, 1, -1)
        if f"{lab.addresses['ios-down'].rsplit('.', 1)[0]}.{n}" not in used
    )
    with pytest.raises(UnreachableError) as caught:
        open_session(
            "ghost",
            "cisco_ios",
            free,
            lab.port,
            username="admin",
            password=SECRET,
            known_hosts=lab.known_hosts("ios-down"),
        )
    assert str(caught.value) == (
        f"ghost: connection refused by {free}:{lab.port} (no SSH server there)"
    )
    assert isinstance(caught.value.__cause__, ConnectionRefusedError)
    assert_no_secret(caught.value)


def test_a_wrong_password_is_an_authentication_error(lab: Lab) -> None:
    with pytest.raises(AuthenticationError) as caught:
        connect(lab, "ios-auth", password=SECRET)
    assert str(caught.value) == (
        f"ios-auth: authentication failed for user 'admin' on {where(lab, 'ios-auth')} "
        "(wrong password?)"
    )
    assert isinstance(caught.value.__cause__, paramiko.AuthenticationException)
    assert_no_secret(caught.value)


def test_a_device_refusing_every_password_is_an_authentication_error(lab: Lab) -> None:
    lab.set_fault("ios-auth", auth_failure=True)
    try:
        with pytest.raises(AuthenticationError, match="authentication failed for user 'admin'"):
            connect(lab, "ios-auth")
    finally:
        lab.clear_faults("ios-auth")


def test_a_wrong_or_missing_enable_secret_is_an_authentication_error(lab: Lab) -> None:
    with pytest.raises(AuthenticationError) as caught:
        connect(lab, "ios-secret", enable=SECRET)
    assert str(caught.value) == "ios-secret: 'enable': the enable secret was refused"
    assert_no_secret(caught.value)
    with pytest.raises(AuthenticationError) as missing:
        connect(lab, "ios-secret", enable=None)
    assert str(missing.value) == (
        "ios-secret: 'enable': privileged mode needs an enable secret and none was given"
    )


def test_a_different_host_key_is_refused_naming_the_known_hosts_file(
    lab: Lab, tmp_path: Path
) -> None:
    other = asyncssh.generate_private_key("ssh-ed25519")
    stranger = tmp_path / "known_hosts"
    write_known_hosts(stranger, other, [lab.addresses["ios-keys"]], lab.port)
    with pytest.raises(HostKeyError) as caught:
        connect(lab, "ios-keys", known_hosts=stranger)
    offered = lab.host_key.get_fingerprint("sha256")
    expected = other.get_fingerprint("sha256")
    assert str(caught.value) == (
        f"ios-keys: the SSH host key offered by {where(lab, 'ios-keys')} ({offered}) does not "
        f"match the one for it in {stranger} ({expected}); if the device was replaced, verify "
        "its new key and update that file"
    )
    assert isinstance(caught.value.__cause__, paramiko.BadHostKeyException)


def test_an_unknown_host_is_refused_never_added(lab: Lab, tmp_path: Path) -> None:
    elsewhere = tmp_path / "known_hosts"
    write_known_hosts(elsewhere, lab.host_key, ["127.0.0.99"], lab.port)
    before = elsewhere.read_text()
    with pytest.raises(HostKeyError) as caught:
        connect(lab, "ios-keys", known_hosts=elsewhere)
    assert str(caught.value) == (
        f"ios-keys: {where(lab, 'ios-keys')} has no host key in {elsewhere}; verify the "
        "device's key and add it there"
    )
    assert elsewhere.read_text() == before  # nothing was auto-added
    missing = tmp_path / "absent"
    with pytest.raises(HostKeyError) as absent:
        connect(lab, "ios-keys", known_hosts=missing)
    assert str(absent.value) == (
        f"ios-keys: cannot verify the SSH host key of {where(lab, 'ios-keys')}: the "
        f"known_hosts file {missing} does not exist"
    )


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_session_dropped_mid_push_names_the_line_in_flight(lab: Lab, platform: str) -> None:
    host = f"{platform}-drop"
    with connect(lab, host) as session:
        session.begin(5)
        # The device hangs up when the second pushed line arrives.
        lab.set_fault(host, drop_after_lines=session.lines_sent + 1)
        try:
            with pytest.raises(SessionDroppedError) as caught:
                session.push(PUSH[platform])
        finally:
            lab.clear_faults(host)
        with pytest.raises(SessionDroppedError, match="the session is gone"):
            session.fetch_running()
    line = PUSH[platform][1]
    assert str(caught.value) == (
        f"{host}: {line!r}: the device closed the session before answering this command "
        "(line 2 of 3)"
    )


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_device_that_stops_answering_times_out(lab: Lab, platform: str) -> None:
    host = f"{platform}-slow"
    with connect(lab, host, timeouts=Timeouts(connect=2.0, command=0.3)) as session:
        lab.set_fault(host, delay=1.0)
        try:
            with pytest.raises(UnreachableError) as caught:
                session.fetch_running()
        finally:
            lab.clear_faults(host)
    command = {"cisco_ios": "show running-config", "cisco_roomos": "xConfiguration"}.get(
        platform, "display current-configuration"
    )
    assert str(caught.value) == (
        f"{host}: {command!r}: no reply within 0.3 s (the device stopped answering)"
    )
    assert isinstance(caught.value, SessionError)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_slow_device_still_works_no_fixed_delays_are_assumed(lab: Lab, platform: str) -> None:
    host = f"{platform}-lag"
    lab.set_fault(host, delay=0.15)  # every reply arrives 150 ms late
    try:
        with connect(lab, host) as session:
            session.begin(5)
            session.push(PUSH[platform])
            session.end(5)
            session.confirm()
            running = session.fetch_running()
    finally:
        lab.clear_faults(host)
    assert PUSH[platform][1].strip().split(":")[0] in running


def test_secrets_in_rejected_lines_are_masked(lab: Lab) -> None:
    host = "ios-secret"
    lab.set_fault(host, reject=("username",))
    try:
        with connect(lab, host) as session:
            session.begin(5)
            with pytest.raises(CommandRejectedError) as caught:
                session.push([f"username noc privilege 15 secret 0 {SECRET}"])
            session.abort()
    finally:
        lab.clear_faults(host)
    assert str(caught.value) == (
        f"{host}: 'username noc privilege 15 secret 0 <masked>': the device answered "
        "\"% Invalid input detected at '^' marker.\" (line 1 of 1)"
    )
    assert_no_secret(caught.value)


def test_the_lab_only_listens_on_loopback(lab: Lab) -> None:
    for address in lab.addresses.values():
        assert socket.inet_aton(address)[0] == 127
