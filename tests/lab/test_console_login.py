"""The lab's console of a configured device: the login its loaded config sets, on a pty.

Real bytes over a real pseudo-terminal, read and written with pyserial as a USB-serial
adapter would be: IOS ``line con 0`` (no login, ``login`` + line password, ``login local``,
an AAA login list of a real config),
VRP ``user-interface con 0`` (``authentication-mode password`` / ``aaa``), and the login
asked again after ``exit``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import serial  # type: ignore[import-untyped]

from communet.lab import DeviceSpec, Lab
from communet.lab.ios_config import hardware_from_config, parse_config, render_config
from communet.lab.runtime import make_device
from communet.lab.server import Credentials

from .corpus import REAL
from .test_console import expect

IOS = """hostname sw-con
enable secret 0 Enable-9
username tech privilege 15 secret 0 Tech-Pass-9
username viewer secret 0 View-Pass-9
interface GigabitEthernet0/1
 switchport mode access
line con 0
{console}
line vty 0 4
 login
 transport input telnet
"""

VRP = """sysname S5700-CON
aaa
 local-user tech password irreversible-cipher Tech-Pass-9
 local-user tech privilege level 15
 local-user tech service-type terminal
 local-user ops password irreversible-cipher Ops-Pass-9
 local-user ops service-type ssh
interface GigabitEthernet0/0/1
 port link-type access
user-interface con 0
{console}
user-interface vty 0 4
 protocol inbound telnet
"""


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    specs = [
        DeviceSpec(hostname="con-ios", platform="cisco_ios"),
        DeviceSpec(hostname="con-vrp", platform="huawei_vrp"),
    ]
    state = tmp_path_factory.mktemp("console-login")
    with Lab(specs, network="127.234.0.0/24", state_dir=state, snmp=False) as running:
        yield running


def console(lab: Lab, host: str, config: str) -> serial.Serial:
    lab.load_config(host, config)
    port = serial.Serial(lab.open_console(host, factory=False), 9600, timeout=0.2)
    port.write(b"\r")
    return port


def test_ios_console_without_login_opens_at_level_1(lab: Lab) -> None:
    with console(lab, "con-ios", IOS.format(console=" logging synchronous")) as port:
        expect(port, "sw-con>")
        port.write(b"enable\r")
        expect(port, "Password: ")  # an enable secret is set: the console asks it too
        port.write(b"Enable-9\r")
        expect(port, "sw-con#")


def test_ios_console_line_password(lab: Lab) -> None:
    with console(lab, "con-ios", IOS.format(console=" password 0 Line-Pass-9\n login")) as port:
        expect(port, "Password:")
        port.write(b"wrong\r")
        port.write(b"still-wrong\r")
        expect(port, "% Bad passwords")  # the third wrong answer (the RETURN was the first)
        port.write(b"Line-Pass-9\r")
        seen = expect(port, "sw-con>")
        assert "Line-Pass-9" not in seen  # a password is never echoed


def test_ios_console_login_local_then_exit_asks_again(lab: Lab) -> None:
    with console(lab, "con-ios", IOS.format(console=" login local")) as port:
        expect(port, "Username:")
        port.write(b"viewer\r")
        expect(port, "Password:")
        port.write(b"Tech-Pass-9\r")  # another user's password
        expect(port, "% Login invalid")
        port.write(b"tech\r")
        expect(port, "Password:")
        port.write(b"Tech-Pass-9\r")
        expect(port, "sw-con#")  # privilege 15 from the user
        port.write(b"exit\r")
        expect(port, "Username:")  # the next person at the cable logs in again


def test_ios_console_follows_the_lines_aaa_login_list(lab: Lab) -> None:
    """Real configs: the 2960-S's ``line con 0`` has ``login authentication console`` and
    that list is ``enable`` alone, so the console asks a password and takes the enable
    secret, not the vty line password; the ISR's ``CONSOLE`` list is ``none``."""
    campus = (REAL / "cisco_ios" / "index-24686569729--sx2-521som-2960s.cfg").read_text()
    with console(lab, "con-ios", campus) as port:
        expect(port, "Password:")  # no Username: the list asks no server for a user
        port.write(b"corpus-line\r")  # the line password: not what this list checks
        port.write(b"wrong\r")
        expect(port, "% Bad passwords")  # the third wrong answer (the RETURN was the first)
        port.write(b"corpus-enable\r")
        expect(port, "sx2-521som-2r189-som>")
    router = (REAL / "cisco_ios" / "mpenning--tests-fixtures-sample-01.cfg").read_text()
    hostname = re.search(r"^hostname (\S+)", router, re.M)
    assert hostname is not None
    with console(lab, "con-ios", router) as port:
        expect(port, f"{hostname.group(1)}>")  # 'aaa authentication login CONSOLE none'


def test_vrp_console_password_and_aaa(lab: Lab) -> None:
    password = " authentication-mode password\n set authentication password cipher Con-Pass-9"
    with console(lab, "con-vrp", VRP.format(console=password)) as port:
        expect(port, "Password:")
        port.write(b"Con-Pass-9\r")
        expect(port, "<S5700-CON>")
    with console(lab, "con-vrp", VRP.format(console=" authentication-mode aaa")) as port:
        expect(port, "Username:")
        port.write(b"ops\r")  # no service-type terminal: not a console user
        expect(port, "Password:")
        port.write(b"Ops-Pass-9\r")
        expect(port, "Error: Local authentication is rejected.")
        port.write(b"tech\r")
        expect(port, "Password:")
        port.write(b"Tech-Pass-9\r")
        expect(port, "<S5700-CON>")
        port.write(b"quit\r")
        expect(port, "Username:")


def test_an_interface_typed_inside_an_interface_moves_to_it() -> None:
    """IOS in interface mode takes ``interface X`` as a move to X: a config copied in with
    X indented (tests/fixtures/real mpenning sample-02, Fa0/6) has X as its own section."""
    text = (
        "interface FastEthernet0/5\n description\n speed 100\n!\n"
        " interface FastEthernet0/6\n description\n switchport access vlan 24\n!\n"
        "interface FastEthernet0/7\n shutdown\n"
    )
    shown = "\n".join(render_config(parse_config(text)))
    assert (
        "interface FastEthernet0/5\n description\n speed 100\n!\n"
        "interface FastEthernet0/6\n description\n switchport access vlan 24\n!\n"
        "interface FastEthernet0/7\n shutdown\n"
    ) in shown


def test_a_switch_with_default_ports_is_still_a_switch() -> None:
    """No switchport line on any port (all at their defaults), but VTP and spanning-tree
    mode lines, which a router does not have."""
    device = make_device(DeviceSpec(hostname="sw", platform="cisco_ios"), Credentials())
    switch = "vtp mode transparent\nspanning-tree mode rapid-pvst\ninterface GigabitEthernet0/1\n"
    router = "interface GigabitEthernet0/0\n ip address 10.0.0.1 255.255.255.0\n"
    assert hardware_from_config(device.hardware, parse_config(switch)).switch  # type: ignore[attr-defined]
    assert not hardware_from_config(device.hardware, parse_config(router)).switch  # type: ignore[attr-defined]
