"""A vty line holds ONE inbound access list: the one typed last replaces the old one, on the
real configs whose vty ACL refused the NOC's proof after a console push (issue 9).

Cisco IOS: ``access-class`` is one per direction on a line (IOS Security Command Reference,
``access-class``); VRP: ``acl N inbound`` in a user-interface view (Huawei S series command
reference, ``acl (user-interface view)``). The lab used to keep both lines and let the old
one decide, so a login the intended ACL permits was refused after a converging push.
"""

from __future__ import annotations

from ipaddress import IPv4Address

import pytest

from communet.lab import DeviceSpec
from communet.lab.core import Device, Terminal
from communet.lab.runtime import make_device
from communet.lab.server import Credentials
from tests.lab.conftest import Console
from tests.lab.corpus import real_configs
from tests.lab.test_real_configs import USER, cipher_secrets

NOC = IPv4Address("10.38.250.1")  # the demo province's NOC station, the lab's client address
CONFIGS = {c.name: c for c in real_configs()}


def _loaded(name: str) -> tuple[Device, Console]:
    config = CONFIGS[name]
    device = make_device(DeviceSpec(hostname="dut", platform=config.platform), Credentials())
    device.load_config(config.text)
    device.known_secrets = dict(cipher_secrets(config))
    return device, Console(Terminal(device, device.open_shell("admin", level=15)))


@pytest.mark.parametrize(
    ("name", "refused_before"),
    [
        ("gun98--configs-sw1-2960", "host 10.10.30.10 only"),
        ("index-4726671017--dk-p1-sw01-2960x", "10.1.99.0/24 only"),
    ],
)
def test_ios_access_class_replaces_the_one_before(name: str, refused_before: str) -> None:
    device, con = _loaded(name)
    username = "netadmin" if name.startswith("gun98") else "admin"
    assert device.authenticate(username, USER, NOC) is None, refused_before
    con.run(
        "configure terminal",
        "ip access-list standard CN-VTY",
        "10 permit 10.38.250.0 0.0.0.255",
        "exit",
        "line vty 0 4",
        "access-class CN-VTY in",
        "end",
    )
    vty = con.send("show running-config | section line vty 0 4")
    assert " access-class CN-VTY in" in vty
    assert "access-class 10 in" not in vty
    assert device.authenticate(username, USER, NOC) is not None  # the NOC is let in now
    assert device.authenticate(username, USER, IPv4Address("10.1.99.5")) is None


def _replace_with_acl_2000(con: Console) -> None:
    """Type the NOC's acl 2000 into the vty line (in system view): it replaces acl 2001."""
    con.run(
        "acl number 2000",
        "rule 5 permit source 10.38.250.0 0.0.0.255",
        "quit",
        "user-interface vty 0 4",
        "acl 2000 inbound",
        "return",
    )
    shown = con.send("display current-configuration")
    vty = shown.split("user-interface vty 0 4", 1)[1].split("user-interface", 1)[0]
    assert " acl 2000 inbound" in vty
    assert "acl 2001 inbound" not in vty


def test_vrp_acl_inbound_replaces_the_one_before() -> None:
    device, con = _loaded("index-24709222996--s5700a")
    assert device.authenticate("cheche", USER, NOC) is None  # acl 2001 has no NOC rule
    con.run("screen-length 0 temporary", "system-view")
    _replace_with_acl_2000(con)
    assert device.authenticate("cheche", USER, NOC) is not None
    assert device.authenticate("cheche", USER, IPv4Address("10.10.66.5")) is None


def test_vrp_acl_inbound_replaces_the_one_before_on_a_sourced_config() -> None:
    """No sourced VRP config of the corpus carries a vty ACL (s5700a above is unsourced
    extra data): eyadnasr's spoke CE (stelnet on, test123 an aaa SSH user) gets acl 2001,
    which refuses the NOC, typed into its vty line first, then the intended acl 2000."""
    device, con = _loaded("eyadnasr--interas-option-a-spoke-ce1")
    assert device.authenticate("test123", USER, NOC) is not None  # no vty ACL yet
    con.run(
        "screen-length 0 temporary",
        "system-view",
        "acl number 2001",
        "rule 10 permit source 10.10.66.0 0.0.0.255",
        "quit",
        "user-interface vty 0 4",
        "acl 2001 inbound",
        "quit",
    )
    assert device.authenticate("test123", USER, NOC) is None  # acl 2001 has no NOC rule
    _replace_with_acl_2000(con)
    assert device.authenticate("test123", USER, NOC) is not None
    assert device.authenticate("test123", USER, IPv4Address("10.10.66.5")) is None
