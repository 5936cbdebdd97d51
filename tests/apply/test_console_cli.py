"""``communet plan|apply HOST --console DEVICE``: a device without SSH, over its serial console.

The lab gives the device a console on a pseudo-terminal that asks the login its loaded
config sets (tests/lab/test_console_login.py); the CLI opens it with pyserial, converges the
device with the trial commit armed and confirms only after SSH on the intended management
address gets in. Every error a technician at the cable can hit is one line, pinned here.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import serial  # type: ignore[import-untyped]
from click.testing import CliRunner

from communet.lab import Lab, specs_from_inventory
from communet.lab.core import Device
from communet_cli.main import cli
from tests.lab.test_rendered_configs import running

from .conftest import DEMO, VAULT

HOSTS = ("dinh-hai-sw1", "dinh-hai-vc1", "thanh-son-sw1")
LINE_PASSWORD = "Console-Line-9"  # the console line's own password in the loaded configs


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    state = tmp_path_factory.mktemp("console-lab")
    specs = [s for s in specs_from_inventory(DEMO) if s.hostname in HOSTS]
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    network = f"127.{236 + (int(worker) if worker.isdigit() else 0) % 8}.{os.getpid() % 250}.0/24"
    with Lab(specs, network=network, state_dir=state / "lab", snmp=False) as running_lab:
        yield running_lab


def env(lab: Lab, **extra: str) -> dict[str, str]:
    creds = lab.credentials
    return {
        "LANG": "C.UTF-8",
        "COMMUNET_USERNAME": creds.username,
        "COMMUNET_PASSWORD": creds.password,
        "COMMUNET_ENABLE": creds.enable,
        "CONSOLE_LINE": LINE_PASSWORD,
        **extra,
    }


def invoke(lab: Lab, *args: str, **extra: str) -> tuple[int, str, str]:
    assert lab.state_dir is not None
    vault = lab.state_dir.parent / "vault.yml"
    vault.write_text("".join(f"vault_{k}: {v}\n" for k, v in VAULT.items()), "utf-8")
    common = ["--inventory", str(DEMO), "--lab", str(lab.state_dir), "--secrets", str(vault)]
    result = CliRunner().invoke(cli, [*args, *common], env=env(lab, **extra))
    return result.exit_code, result.stdout, result.stderr


def without_ssh(device: Device, platform: str) -> str:
    """The device's config with SSH refused on the vty lines (``transport input telnet`` /
    ``protocol inbound telnet``) and a console that asks its own line password."""
    text = running(device)
    if platform == "cisco_ios":
        text = text.replace("transport input ssh", "transport input telnet")
        return re.sub(
            r"^line con 0\n(?: .*\n)*",
            f"line con 0\n login\n password {LINE_PASSWORD}\n",
            text,
            flags=re.M,
        )
    text = text.replace("protocol inbound ssh", "protocol inbound telnet")
    return re.sub(
        r"^user-interface con 0\n(?: .*\n)*",
        "user-interface con 0\n authentication-mode password\n"
        f" set authentication password cipher {LINE_PASSWORD}\n",
        text,
        flags=re.M,
    )


def secrets_of(lab: Lab) -> list[str]:
    """The secrets a run handles (the lab's own are a short word that shows up in host
    names and paths, so its credentials are checked where they could not occur by chance)."""
    return [LINE_PASSWORD, VAULT["snmp_auth_key"], VAULT["snmp_priv_key"]]


@pytest.mark.parametrize("host", ["dinh-hai-sw1", "thanh-son-sw1"])
def test_a_device_without_ssh_converges_over_its_console(lab: Lab, host: str) -> None:
    device = lab.device(host)
    platform = device.spec.platform
    lab.load_config(host, lab.call(lambda: without_ssh(device, platform)))
    code, out, _ = invoke(lab, "plan", host, "--json")
    assert code == 1
    assert "authentication failed" in json.loads(out)[0]["error"]  # no SSH for communet
    path = lab.open_console(host, factory=False)
    console = ["--console", path, "--console-password", "env:CONSOLE_LINE"]
    code, out, err = invoke(lab, "apply", host, *console, "--json")
    assert code == 0, out + err
    (result,) = json.loads(out)
    assert (result["transport"], result["changed"], result["failed"]) == ("console", True, False)
    assert any("ssh" in line for line in result["commands"])  # SSH comes back on the vty
    # the trial was confirmed only after SSH on the management address got in: now it does
    code, out, err = invoke(lab, "plan", host, "--json")
    assert code == 0, out + err
    (replan,) = json.loads(out)
    assert (replan["transport"], replan["commands"]) == ("ssh", [])
    everything = out + err + json.dumps(result)
    assert not [s for s in secrets_of(lab) if s in everything]


def test_the_summary_says_the_console_is_used(lab: Lab) -> None:
    host = "dinh-hai-sw1"
    device = lab.device(host)
    lab.load_config(host, lab.call(lambda: without_ssh(device, "cisco_ios")))
    path = lab.open_console(host, factory=False)
    console = ["--console", path, "--console-password", "env:CONSOLE_LINE"]
    code, out, err = invoke(lab, "--lang", "vi", "plan", host, *console)
    assert code == 0, out + err
    assert f"{host}: qua cổng console {path}" in out
    assert not [s for s in secrets_of(lab) if s in out + err]


def test_console_login_refused_is_one_line(lab: Lab) -> None:
    host = "dinh-hai-sw1"
    device = lab.device(host)
    lab.load_config(host, lab.call(lambda: without_ssh(device, "cisco_ios")))
    path = lab.open_console(host, factory=False)
    args = ["apply", host, "--console", path, "--console-password", "env:WRONG"]
    code, out, err = invoke(lab, *args, WRONG="not-the-password")
    assert code == 1
    assert err == f"{host}: the console at {path} refused the login (the console line password)\n"
    code, out, err = invoke(lab, "apply", host, "--console", path)
    assert code == 1
    assert err.startswith(f"{host}: the console at {path} asks for its line password and none ")
    code, out, err = invoke(lab, *args, "--json", WRONG="not-the-password")
    assert code == 1
    (result,) = json.loads(out)
    assert (result["transport"], result["failed"]) == ("console", True)
    assert "refused the login" in result["error"]
    assert "not-the-password" not in out + err


def test_console_device_missing_is_one_line_in_either_language(lab: Lab) -> None:
    code, _, err = invoke(lab, "apply", "dinh-hai-sw1", "--console", "/dev/ttyUSB97")
    assert code == 1
    assert err.startswith("dinh-hai-sw1: console /dev/ttyUSB97 does not exist: is the console ")
    assert err.count("\n") == 1
    args = ["apply", "dinh-hai-sw1", "--console", "/dev/ttyUSB97"]
    code, _, err = invoke(lab, "--lang", "vi", *args)
    assert code == 1
    assert err == (
        "dinh-hai-sw1: không thấy cổng console /dev/ttyUSB97: cáp console (bộ chuyển "
        "USB-serial) đã cắm chưa?\n"
    )


def test_console_that_is_not_a_tty(lab: Lab, tmp_path: Path) -> None:
    plain = tmp_path / "ttyUSB0"
    plain.write_text("", "utf-8")
    code, _, err = invoke(lab, "plan", "dinh-hai-sw1", "--console", str(plain))
    assert code == 1
    assert err.startswith(f"dinh-hai-sw1: {plain} is not a serial device (not a terminal)")


def test_console_permission_denied(tmp_path: Path) -> None:
    """A console the user may not open (a USB-serial adapter of group dialout, for a user
    outside it): a pty with no permission at all, opened from a process without the
    privilege to override it."""
    master, slave = os.openpty()
    path = os.ttyname(slave)
    code = (
        "from communet.session.console import open_port\n"
        "try:\n"
        f"    open_port('dinh-hai-sw1', {path!r}, 1.0)\n"
        "except Exception as error:\n"
        "    print(error)\n"
    )
    command = [sys.executable, "-c", code]
    if os.geteuid() == 0:  # root passes any mode; in a user namespace of its own it does not
        command = ["unshare", "--user", *command]
    try:
        os.chmod(path, 0)
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    finally:
        os.close(master)
        os.close(slave)
    assert done.stdout.startswith(f"dinh-hai-sw1: permission denied on console {path}: add ")
    # the device's group (dialout for a USB adapter; a pty's, as this process sees it)
    assert re.search(r"its group \((\w+): 'sudo usermod -aG \1 \$USER', then log in", done.stdout)


def test_nothing_answering_on_the_line(lab: Lab) -> None:
    master, slave = os.openpty()  # a cable to nothing: bytes go out, none come back
    try:
        path = os.ttyname(slave)
        args = ["apply", "dinh-hai-sw1", "--console", path, "--connect-timeout", "1"]
        code, _, err = invoke(lab, *args)
        _, _, err_vi = invoke(lab, "--lang", "vi", *args)
    finally:
        os.close(master)
        os.close(slave)
    assert code == 1
    assert err == (
        f"dinh-hai-sw1: nothing answers on console {path} within 1 s: is the cable on the "
        "device's CONSOLE port and the device powered? (9600 baud, 8N1)\n"
    )
    assert err_vi.startswith(f"dinh-hai-sw1: không có phản hồi trên cổng console {path} sau 1 ")


def test_console_reaches_one_device_only(lab: Lab) -> None:
    code, out, err = invoke(lab, "apply", "dinh-hai", "--console", "/dev/ttyUSB0")
    assert code == 2
    assert err == (
        "--console reaches one device (the one on the cable); scope 'dinh-hai' has 4: give "
        "its hostname\n"
    )
    assert out == ""


def test_console_on_a_platform_without_console_support(lab: Lab) -> None:
    code, _, err = invoke(lab, "apply", "dinh-hai-vc1", "--console", "/dev/ttyUSB0")
    assert code == 1
    assert err == (
        "dinh-hai-vc1: communet has no console support for platform 'cisco_roomos' (only "
        "cisco_ios, huawei_vrp, huawei_vrpv8); configure it over SSH\n"
    )


@pytest.mark.parametrize("host", ["dinh-hai-sw1", "thanh-son-sw1"])
def test_no_confirm_until_ssh_on_the_management_address_gets_in(lab: Lab, host: str) -> None:
    """The push over the console succeeds, but SSH on the intended management address is
    refused: the trial is not confirmed, the device is put back (IOS: the revert timer
    now; VRP5: the backup restored over the console) and the run says why."""
    device = lab.device(host)
    platform = device.spec.platform
    lab.load_config(host, lab.call(lambda: without_ssh(device, platform)))
    before = lab.call(lambda: running(device))
    path = lab.open_console(host, factory=False)
    lab.set_fault(host, auth_failure=True)  # every SSH login fails; the console does not care
    try:
        console = ["--console", path, "--console-password", "env:CONSOLE_LINE"]
        code, out, err = invoke(lab, "apply", host, *console, "--json")
    finally:
        lab.set_fault(host, auth_failure=False)
    assert code == 1, out + err
    (result,) = json.loads(out)
    assert (result["transport"], result["failed"], result["rolled_back"]) == ("console", True, True)
    assert result["error"].startswith(f"{host}: authentication failed for user 'admin' on ")
    assert result["error"].endswith("; rolled back: the running config is as before")
    assert without_archive(lab.call(lambda: running(device))) == without_archive(before)


def without_archive(text: str) -> str:
    """The config without the ``archive`` block IOS's revert timer needs (communet adds it
    before the trial and leaves it)."""
    text = re.sub(r"^archive\n(?: .*\n)*", "", text + "\n", flags=re.M)
    return "\n".join(line for line in text.splitlines() if line.strip() != "!")


def test_a_console_another_program_holds(lab: Lab) -> None:
    path = lab.open_console("dinh-hai-sw1", factory=False)
    with serial.Serial(path, 9600, timeout=0.2, exclusive=True):  # screen, minicom, ...
        code, _, err = invoke(lab, "plan", "dinh-hai-sw1", "--console", path)
    assert code == 1
    assert err == (
        f"dinh-hai-sw1: cannot open console {path}: another program (screen, minicom, "
        "another communet run) has it open\n"
    )
