"""Real netmiko drivers against the running lab: what a client sees must be what a device does.

One lab per xdist worker (session fixture); each test works on its own device.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import asyncssh
import pytest
from netmiko import ConnectHandler
from netmiko.exceptions import (
    ConfigInvalidException,
    NetmikoAuthenticationException,
    NetmikoTimeoutException,
)
from ntc_templates.parse import parse_output  # type: ignore[import-untyped]

from communet.lab import Lab
from communet.lab.server import write_known_hosts
from tests.lab.conftest import REGISTRAR

IOS_ERRORS = r"^% (Invalid input|Incomplete command|Ambiguous command)"
VRP_ERRORS = r"^Error: "


def connect(lab: Lab, known_hosts: Path, hostname: str, **extra: Any) -> Any:
    params = lab.netmiko_params(hostname, known_hosts)
    params.update(extra)
    return ConnectHandler(**params)


def test_host_key_is_verified_against_the_labs_known_hosts(
    lab: Lab, known_hosts: Path, tmp_path: Path
) -> None:
    with connect(lab, known_hosts, "ios-show") as conn:
        assert conn.find_prompt() == "ios-show>"
    stranger = tmp_path / "known_hosts"
    other = asyncssh.generate_private_key("ssh-ed25519")
    write_known_hosts(stranger, other, [lab.addresses["ios-show"]], lab.port)
    with pytest.raises(NetmikoTimeoutException, match=r"Host key .* does not match"):
        connect(lab, stranger, "ios-show")


def test_ios_show_commands_parse_with_textfsm(lab: Lab, known_hosts: Path) -> None:
    with connect(lab, known_hosts, "ios-show") as conn:
        conn.enable()
        assert conn.send_command("show privilege").strip() == "Current privilege level is 15"
        version = conn.send_command("show version", use_textfsm=True)
        assert version[0]["hostname"] == "ios-show"
        vlans = conn.send_command("show vlan brief", use_textfsm=True)
        assert [v["vlan_id"] for v in vlans][:2] == ["1", "10"]
        running = conn.send_command("show running-config")
        assert running.rstrip().endswith("end")
        assert "--More--" not in running


def test_ios_config_set_with_cmd_verify_and_save(lab: Lab, known_hosts: Path) -> None:
    commands = [
        "vlan 20",
        "name CANBO",
        "interface GigabitEthernet1/0/5",
        "description Can bo 5",
        "switchport mode access",
        "switchport access vlan 20",
        "spanning-tree portfast edge",
        "ntp server 10.0.0.123",
    ]
    with connect(lab, known_hosts, "ios-config") as conn:
        conn.enable()
        output = conn.send_config_set(commands, cmd_verify=True, error_pattern=IOS_ERRORS)
        assert "ios-config(config-if)#" in output
        assert conn.check_enable_mode()
        saved = conn.save_config()
        assert "[OK]" in saved
        startup = conn.send_command("show startup-config")
        assert " description Can bo 5\n switchport access vlan 20\n" in startup
        assert "ntp server 10.0.0.123" in startup
        with pytest.raises(ConfigInvalidException, match="Invalid input"):
            conn.send_config_set(
                ["interface Gi1/0/6", "switchport mode bogus"], error_pattern=IOS_ERRORS
            )


def test_ios_copy_run_start_and_banner(lab: Lab, known_hosts: Path) -> None:
    with connect(lab, known_hosts, "ios-config") as conn:
        conn.enable()
        conn.send_config_set(
            ["banner motd #Chi danh cho can bo#"], bypass_commands="", cmd_verify=True
        )
        out = conn.send_command(
            "copy running-config startup-config", expect_string=r"Destination filename"
        )
        out += conn.send_command("\n", expect_string=r"#")
        assert "[OK]" in out
        assert "banner motd ^C\nChi danh cho can bo^C" in conn.send_command("show startup-config")
        conn.send_config_set(
            ["banner login #Canh bao: truy cap trai phep bi xu ly#"],
            bypass_commands="",
            cmd_verify=True,
        )
    with connect(lab, known_hosts, "ios-config") as again:  # both banners shown at login
        assert again.find_prompt() == "ios-config>"


def test_state_persists_across_sessions(lab: Lab, known_hosts: Path) -> None:
    with connect(lab, known_hosts, "ios-persist") as conn:
        conn.enable()
        conn.send_config_set(["interface Gi1/0/7", "description persisted"], cmd_verify=True)
    with connect(lab, known_hosts, "ios-persist") as conn:
        conn.enable()
        config = conn.send_command("show running-config interface Gi1/0/7")
        assert "description persisted" in config


def test_reboot_loses_unsaved_changes(lab: Lab, known_hosts: Path) -> None:
    with connect(lab, known_hosts, "ios-reboot") as conn:
        conn.enable()
        conn.send_config_set(["snmp-server location saved"], cmd_verify=True)
        conn.save_config()
        conn.send_config_set(["snmp-server contact unsaved"], cmd_verify=True)
        lab.reboot("ios-reboot")
        with pytest.raises(OSError, match=r"Socket is closed"):
            conn.send_command("show version", read_timeout=5)
    with connect(lab, known_hosts, "ios-reboot") as conn:
        conn.enable()
        running = conn.send_command("show running-config")
        assert "snmp-server location saved" in running
        assert "snmp-server contact" not in running
        assert "uptime is 0 minutes" in conn.send_command("show version")


def test_auth_failure_fault(lab: Lab, known_hosts: Path) -> None:
    lab.set_fault("ios-faults", auth_failure=True)
    try:
        with pytest.raises(NetmikoAuthenticationException):
            connect(lab, known_hosts, "ios-faults")
    finally:
        lab.clear_faults("ios-faults")


def test_rejected_command_answers_with_the_device_error(lab: Lab, known_hosts: Path) -> None:
    lab.set_fault("ios-faults", reject=("ntp server",))
    try:
        with connect(lab, known_hosts, "ios-faults") as conn:
            conn.enable()
            with pytest.raises(ConfigInvalidException, match="Invalid input detected"):
                conn.send_config_set(["ntp server 10.1.1.1"], error_pattern=IOS_ERRORS)
    finally:
        lab.clear_faults("ios-faults")


def test_session_dropped_after_n_lines(lab: Lab, known_hosts: Path) -> None:
    with connect(lab, known_hosts, "ios-faults") as conn:
        conn.enable()
        lab.set_fault("ios-faults", drop_after_lines=0)
        try:
            with pytest.raises(OSError, match=r"Socket is closed"):
                conn.send_command("show version", read_timeout=5)
        finally:
            lab.clear_faults("ios-faults")


def test_slow_device_delays_every_reply(lab: Lab, known_hosts: Path) -> None:
    with connect(lab, known_hosts, "ios-faults") as conn:
        lab.set_fault("ios-faults", delay=0.4)
        try:
            began = time.perf_counter()
            conn.send_command("show privilege")
            assert time.perf_counter() - began >= 0.4
        finally:
            lab.clear_faults("ios-faults")


def test_down_device_times_out_then_comes_back(lab: Lab, known_hosts: Path) -> None:
    lab.set_fault("ios-down", down=True)
    try:
        with pytest.raises(NetmikoTimeoutException):
            connect(lab, known_hosts, "ios-down", conn_timeout=1, banner_timeout=1, auth_timeout=1)
    finally:
        lab.clear_faults("ios-down")
    with connect(lab, known_hosts, "ios-down") as conn:
        assert conn.find_prompt() == "ios-down>"


def huawei_vrp_config_set_and_save(lab: Lab, known_hosts: Path) -> None:
    with connect(lab, known_hosts, "vrp-switch") as conn:
        text = conn.send_command("display version")
        version = parse_output(platform="huawei_vrp", command="display version", data=text)
        assert version[0]["vrp_version"] == "5.170"
        output = conn.send_config_set(
            [
                "vlan batch 20 30",
                "interface GigabitEthernet0/0/3",
                "port link-type access",
                "port default vlan 20",
            ],
            cmd_verify=True,
            error_pattern=VRP_ERRORS,
        )
        assert "[vrp-switch-GigabitEthernet0/0/3]" in output
        assert "successfully" in conn.save_config()
        saved = conn.send_command("display saved-configuration")
        assert "\nvlan batch 10 20 30" in saved
        assert " port default vlan 20" in saved
        error = conn.send_command("display frobnicate")
        assert "Error: Unrecognized command found at '^' position." in error


def huawei_vrpv8_config_set_and_commit(lab: Lab, known_hosts: Path) -> None:
    with connect(lab, known_hosts, "vrpv8-switch") as conn:
        conn.send_config_set(
            ["vlan batch 40", "vlan 40", "description HNTH"],
            cmd_verify=True,
            error_pattern=VRP_ERRORS,
        )
        before = conn.send_command("display current-configuration")
        assert "vlan batch 10 40" not in before
        conn.commit()
        after = conn.send_command("display current-configuration")
        assert "vlan batch 10 40" in after
        assert "vlan 40\n description HNTH" in after


def cisco_tp_xapi(lab: Lab, known_hosts: Path, hostname: str, profile: str) -> None:
    with connect(lab, known_hosts, hostname) as conn:
        output = conn.send_config_set(
            [
                f'xConfiguration SIP {profile}URI: "{hostname}@mcu.example.vn"',
                f'xConfiguration SIP {profile}Proxy 1 Address: "{REGISTRAR}"',
                "xConfiguration Network 1 QoS Diffserv Audio: 46",
            ],
            cmd_verify=True,
            enter_config_mode=False,
            exit_config_mode=False,
        )
        assert "ERROR" not in output
        status = conn.send_command("xStatus SIP Registration 1 Status")
        assert "*s SIP Registration 1 Status: Registered" in status
        config = conn.send_command("xConfiguration Network 1 QoS Diffserv Audio")
        assert "*c xConfiguration Network 1 QoS Diffserv Audio: 46" in config
        dial = conn.send_command('xCommand Dial Number: "1234"', expect_string=r"\*\* end")
        assert dial.startswith("OK") or "OK\r\n*r DialResult" in dial or "*r DialResult" in dial


def concurrently(*jobs: Callable[[], None]) -> None:
    """netmiko's huawei and cisco_tp drivers idle for seconds on their own; overlap them."""
    with ThreadPoolExecutor(len(jobs)) as pool:
        for future in [pool.submit(job) for job in jobs]:
            future.result()


def test_huawei_drivers_vrp5_save_and_vrpv8_commit(lab: Lab, known_hosts: Path) -> None:
    concurrently(
        lambda: huawei_vrp_config_set_and_save(lab, known_hosts),
        lambda: huawei_vrpv8_config_set_and_commit(lab, known_hosts),
    )


def test_cisco_tp_driver_on_ce8_and_roomos(lab: Lab, known_hosts: Path) -> None:
    concurrently(
        lambda: cisco_tp_xapi(lab, known_hosts, "codec-ce8", ""),
        lambda: cisco_tp_xapi(lab, known_hosts, "codec-roomos", ""),
    )


def test_exec_channel_runs_one_command(lab: Lab, known_hosts: Path) -> None:
    import paramiko  # noqa: PLC0415

    client = paramiko.SSHClient()
    client.load_host_keys(str(known_hosts))
    client.connect(
        lab.addresses["ios-show"], lab.port, "admin", "lab", allow_agent=False, look_for_keys=False
    )
    try:
        _, stdout, _ = client.exec_command("show privilege")
        assert stdout.read().decode().strip() == "Current privilege level is 1"
    finally:
        client.close()
