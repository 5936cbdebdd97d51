"""Every real config of the corpus (tests/fixtures/real) in the lab: it loads into a device of
its platform, the device shows it back faithfully, and SSH logins are what the config itself
allows: its own users and passwords, its vty ACL and transport, its management address.

What each config allows was read off the config by hand (``LOGINS`` / ``REFUSED``), not
computed by the lab: the lab's login code is what these tests check.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from ipaddress import IPv4Address

import pytest
from netmiko import BaseConnection, ConnectHandler
from netmiko.exceptions import NetmikoAuthenticationException

from communet.lab import DeviceSpec, Lab
from communet.lab.core import Device, Terminal
from communet.lab.ios_config import type4, verify_secret
from communet.lab.runtime import make_device
from communet.lab.server import Credentials
from tests.lab.conftest import Console, worker_network
from tests.lab.corpus import RealConfig, placeholders, real_configs
from tests.lab.test_rendered_configs import running

CONFIGS = real_configs()
IDS = [c.name for c in CONFIGS]
PLAIN = placeholders()
USER, LINE, ENABLE = "corpus-user", "corpus-line", "corpus-enable"

# name → (username, password, privilege level after login) for the configs whose vty takes
# SSH logins; any username works where the vty has only a line password.
LOGINS: dict[str, tuple[str, str, int]] = {
    "mpenning--tests-fixtures-sample-01": ("ddclient", USER, 1),  # aaa default local
    "mpenning--tests-fixtures-sample-02": ("anyone", LINE, 1),  # vty line password, login
    "warmoni--lab04-sw2": ("anyone", LINE, 1),  # transport input telnet ssh
    "warmoni--lab04-sw3": ("anyone", LINE, 1),
    "warmoni--lab04-sw4": ("anyone", LINE, 1),
    "warmoni--lab06-sw2": ("anyone", LINE, 1),
    "warmoni--lab06-sw4": ("anyone", LINE, 1),
    "ytti--ios-c9200l-24p-4g-17-09-04a-output": ("rocks", USER, 1),  # tacacs+ unreachable, local
    "index-54736178315--sw1pop15-expointer": ("admin", USER, 15),
    "index-70775036532--s5735-bucharest": ("administrator", USER, 3),
    "eyadnasr--interas-option-a-spoke-ce1": ("test123", USER, 15),  # AR, vty aaa
    "libgr--switchlv2-2960-48": ("etudiant", USER, 15),  # secret 4 (SHA-256), login local
    "ohihc5--vrpcfg-s5732-h48um4y2cz": ("pccw2023", USER, 3),  # vty aaa, protocol ssh
    "index-54670878180--sw1pop44-adylnet-s6730h-v2": ("admincyber", USER, 3),  # vty aaa, ssh
}
# name → why the real device refuses every SSH login with this config.
REFUSED = {
    "rodrigo-serpa--alpha-config": "vty 'login' without a password",
    "rodrigo-serpa--beta-config": "vty 'login' without a password",
    "rodrigo-serpa--enta-config": "transport input none",
    "smitch35--ciscorunningconfig": "vty 'login' without a password",
    "warmoni--lab02-sw1": "transport input telnet",
    "warmoni--lab02-sw3": "transport input telnet",
    "warmoni--lab03-s1": "transport input telnet",
    "warmoni--lab03-r1": "transport input telnet",
    "warmoni--lab04-r29": "transport input telnet",
    "warmoni--lab04-sw9": "transport input telnet",
    "warmoni--lab04-sw10": "transport input telnet",
    "warmoni--lab-03-ipv6-s2": "transport input telnet",
    "warmoni--project-dpr-asw1": "vty 'login' without a password",
    "warmoni--project-dpr-dsw1": "vty 'login' without a password",
    "warmoni--project-hrs-asw1": "vty 'login' without a password",
    "warmoni--project-hrs-dsw1": "vty 'login' without a password",
    "warmoni--project-lpr-asw2": "vty 'login' without a password",
    "warmoni--project-rst-asw1": "vty 'login' without a password",
    "warmoni--project-rst-dsw1": "vty 'login' without a password",
    "warmoni--project-zpr-asw1": "vty 'login' without a password",
    "warmoni--project-zpr-dsw1": "vty 'login' without a password",
    "warmoni--project-dpr-r1": "transport input none",
    "warmoni--project-hrs-r1": "transport input none",
    "warmoni--project-rst-r1": "transport input none",
    "warmoni--project-zpr-r1": "transport input none",
    "index-24709222996--s5700a": "vty acl 2001 does not permit the client (see the ACL test)",
    "index-54621407231--sw2pop20-navegantes": "authentication-mode aaa and no local user",
    "index-4726671017--dk-p1-sw01-2960x": "access-class 10 permits only 10.1.99.0/24",
    "libgr--switchlv3-c9200l-24t-4g": "vty 0 4 'login local' and no username; vty 5 15 no password",
    "gun98--configs-sw1-2960": "access-class 10 permits only host 10.10.30.10",
    "gun98--configs-hq-r1-2911": "vty 'login' without a password",
    "iyifanx--vrpcfg-s2700-52p": "no 'stelnet server enable': the SSH server is off (VRP5 default)",
    "huangxuxiao--ar1-ar2220": "the only local user (admin) has service-type http",
    "huangxuxiao--agg-sw1-s5700": "undo local-user admin: no local user at all",
    "index-24686569729--sx2-521som-2960s": "access-class 199 permits only the NOC's hosts and nets",
    "index-37562787085--hq-l3sw-02-3650": "access-class ForSSH permits only two admin /24s",
    "index-9423965800--dhakacolo-panthapath-s6730h": "vty protocol inbound telnet: no SSH",
}
# No address on any live interface: nothing to connect to.
UNREACHABLE = {
    "rodrigo-serpa--switches-switch7",
    "rodrigo-serpa--switches-switch9",
    "rodrigo-serpa--switches-switch11",
    "rodrigo-serpa--switches-switch14",
    "warmoni--project-msk-ix-sw",
    "huangxuxiao--mkt-switch-s3700",  # eNSP S3700 with no Vlanif address
}
DEVICE_TYPES = {"cisco_ios": "cisco_ios", "huawei_vrp": "huawei", "huawei_vrpv8": "huawei_vrpv8"}


def normalized(platform: str, text: str) -> list[str]:
    """What must match between a config and the device's display of it: every line, in
    order, at its indentation; not the comment and separator lines the device regenerates
    (IOS ``!``, VRP ``#``, ``!Software Version``, ``return``, ``end``)."""
    keep: list[str] = []
    for raw in text.splitlines():
        line = raw.rstrip()
        stripped = line.strip()
        if not stripped or stripped in ("end", "return") or line.startswith("!"):
            continue
        if line.startswith(("Building configuration...", "Current configuration :")):
            continue
        if platform != "cisco_ios" and stripped == "#":
            continue
        if platform == "cisco_ios" and stripped.startswith("interface "):
            line = stripped  # typed indented, it is a move to that interface: shown at column 0
        keep.append(line)
    return keep


def cipher_secrets(config: RealConfig) -> dict[str, str]:
    """The fake cipher values of a Huawei config and the plaintext they stand for."""
    values = re.findall(r"(?:cipher|irreversible-cipher) (\S*FAKE\S*)", config.text)
    return dict.fromkeys(values, PLAIN["huawei_vrp"]["local_user_password"])


def loaded(config: RealConfig, management: IPv4Address | None = None) -> Device:
    device = make_device(
        DeviceSpec(hostname="dut", platform=config.platform, management=management),
        Credentials(),
    )
    device.load_config(config.text)
    device.known_secrets = cipher_secrets(config)
    return device


def test_every_corpus_config_is_classified() -> None:
    assert len(CONFIGS) >= 40
    assert set(LOGINS) | set(REFUSED) | UNREACHABLE == set(IDS)
    assert not set(LOGINS) & set(REFUSED)
    assert not UNREACHABLE & (set(LOGINS) | set(REFUSED))


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_loads_and_shows_back_faithfully(config: RealConfig) -> None:
    device = loaded(config)
    assert normalized(config.platform, running(device)) == normalized(config.platform, config.text)


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_logins_are_what_the_config_allows(config: RealConfig) -> None:
    device = loaded(config)
    anywhere = IPv4Address("127.0.0.1")
    assert device.answering() == (config.name not in UNREACHABLE)
    if config.name in LOGINS:
        username, password, level = LOGINS[config.name]
        assert device.authenticate(username, password, anywhere) == level
        assert device.authenticate(username, password + "x", anywhere) is None
        assert device.authenticate("nobody-" + username, "wrong", anywhere) is None
    else:
        for username, password in (("admin", USER), ("admin", LINE), ("admin", "lab")):
            assert device.authenticate(username, password, anywhere) is None


def test_vty_acl_is_honoured() -> None:
    """S5700A: ``user-interface vty 0 4`` / ``acl 2001 inbound`` permits 10.10.66.0/24 and four
    other networks, then ``rule 100 deny``; only cheche may use SSH (admin: telnet only)."""
    config = next(c for c in CONFIGS if c.name == "index-24709222996--s5700a")
    device = loaded(config)
    noc, stranger = IPv4Address("10.10.66.5"), IPv4Address("10.10.67.5")
    assert device.authenticate("cheche", USER, noc) == 15
    assert device.authenticate("cheche", USER, stranger) is None
    assert device.authenticate("cheche", USER, IPv4Address("124.204.49.90")) == 15  # /29
    assert device.authenticate("admin", USER, noc) is None  # service-type telnet only


def test_ios_access_class_is_honoured_on_a_sourced_config() -> None:
    """gun98's 2960 (sourced; S5700A above is unsourced extra data): ``access-list 10 permit
    host 10.10.30.10`` on ``line vty 0 4`` lets netadmin (no privilege: level 1) in from
    that host only."""
    device = loaded(next(c for c in CONFIGS if c.name == "gun98--configs-sw1-2960"))
    assert device.authenticate("netadmin", USER, IPv4Address("10.10.30.10")) == 1
    assert device.authenticate("netadmin", USER, IPv4Address("10.10.30.11")) is None
    assert device.authenticate("netadmin", USER + "x", IPv4Address("10.10.30.10")) is None


def test_vrp5_ssh_server_is_off_until_stelnet_is_enabled() -> None:
    """The S2700-class switch (V100) has an SSH-capable local user, root, with the old
    ``local-user root level 15`` syntax, but no ``stelnet server enable``: VRP5's SSH server
    is off by default, so no SSH login at all; with it, root gets level 15."""
    config = next(c for c in CONFIGS if c.name == "iyifanx--vrpcfg-s2700-52p")
    anywhere = IPv4Address("127.0.0.1")
    assert "stelnet server enable" not in config.text
    assert " local-user root service-type ftp telnet ssh\n local-user root level 15\n" in (
        config.text
    )
    assert loaded(config).authenticate("root", USER, anywhere) is None
    enabled = make_device(DeviceSpec(hostname="dut", platform=config.platform), Credentials())
    enabled.load_config(
        config.text.replace(
            "\nuser-interface con 0", "\n stelnet server enable\n#\nuser-interface con 0"
        )
    )
    enabled.known_secrets = cipher_secrets(config)
    assert enabled.authenticate("root", USER, anywhere) == 15
    assert enabled.authenticate("root", USER + "x", anywhere) is None


def test_ios_type4_secret_is_unsalted_sha256() -> None:
    """Cisco's own example of the deprecated type 4 (``cisco``), as 15.0 switches still show
    it: the 2960-48 of the corpus logs its user in with it."""
    assert type4("cisco") == "tnhtc92DXBhelxjYk8LWJrPV36S2i4ntXrpb4RFmfqY"
    assert verify_secret("username x secret 4 " + type4(USER), USER)
    assert not verify_secret("username x secret 4 " + type4(USER), LINE)


def test_v600_port_speed_settings_can_be_undone() -> None:
    """The S5732 (V600R024) pins eight MultiGE ports at 1000/full with ``negotiation
    disable``; a plan that returns them to auto-negotiation types the undo forms, which the
    switch accepts (the lab used to reject them as unknown commands)."""
    config = next(c for c in CONFIGS if c.name == "ohihc5--vrpcfg-s5732-h48um4y2cz")
    device = loaded(config)
    con = Console(Terminal(device, device.open_shell("x")))
    con.run("system-view", "interface MultiGE1/0/1")
    for line in ("undo negotiation disable", "undo speed", "undo duplex"):
        assert con.send(line).endswith("[*edisdrcnsw02-MultiGE1/0/1]"), line
    con.run("commit")
    shown = running(device)
    block = shown.split("interface MultiGE1/0/1\n", 1)[1].split("#", 1)[0]
    assert block == (
        " description To_edisdrctsm02_C2_T2\n port link-type access\n port default vlan 2\n"
        " stp edged-port enable\n"
    )
    assert "Error: Unrecognized command" in con.send("negotiation sideways")


def test_vrp5_root_protection_can_be_undone() -> None:
    """The S6730-H-class switch (V200R021) guards its customer trunks with ``stp
    root-protection``; a plan that re-roles such a port types ``undo stp root-protection``,
    which the switch accepts (the lab used to reject it as an unknown command)."""
    config = next(c for c in CONFIGS if c.name == "index-9423965800--dhakacolo-panthapath-s6730h")
    device = loaded(config)
    con = Console(Terminal(device, device.open_shell("x")))
    con.run("system-view", "interface XGigabitEthernet0/0/18")
    reply = con.send("undo stp root-protection")
    assert "Error" not in reply
    assert reply.endswith("[DhakaColo-Panthapath-XGigabitEthernet0/0/18]")
    block = running(device).split("interface XGigabitEthernet0/0/18\n", 1)[1].split("#", 1)[0]
    assert "stp root-protection" not in block
    assert " stp bpdu-filter enable\n" in block  # the port's other lines stay
    assert "Error: Unrecognized command" in con.send("stp root-protection sideways")


def test_v600_svi_routing_lines_can_be_undone() -> None:
    """The S6730-H24X6C-V2 runs OSPF and MPLS on its Vlanifs; a plan that takes such an SVI
    over types ``undo ospf cost 10`` and the like, which the switch accepts (the lab used
    to reject them as unknown commands)."""
    config = next(c for c in CONFIGS if c.name == "index-54670878180--sw1pop44-adylnet-s6730h-v2")
    device = loaded(config)
    con = Console(Terminal(device, device.open_shell("x")))
    con.run("system-view", "interface Vlanif1115")
    for line in ("undo ospf cost 10", "undo mpls ldp"):
        reply = con.send(line)
        assert "Error" not in reply, line
        assert reply.endswith("[*SW1POP44_ADYLNET-Vlanif1115]"), line
    con.run("commit")
    block = running(device).split("interface Vlanif1115\n", 1)[1].split("#", 1)[0]
    assert "ospf cost" not in block
    assert " mpls ldp\n" not in block
    assert " ospf network-type p2p\n mpls\n mpls te\n mpls rsvp-te\n" in block


def test_ios_access_class_is_honoured() -> None:
    config = next(c for c in CONFIGS if c.name == "warmoni--lab04-sw2")
    text = config.text.replace("line vty 0 4\n", "line vty 0 4\n access-class 10 in\n", 1)
    text = text.replace("\nline con 0", "\naccess-list 10 permit 192.168.3.0 0.0.0.255\nline con 0")
    device = make_device(DeviceSpec(hostname="dut", platform="cisco_ios"), Credentials())
    device.load_config(text)
    assert device.authenticate("x", LINE, IPv4Address("192.168.3.9")) == 1
    assert device.authenticate("x", LINE, IPv4Address("192.168.4.9")) is None


def test_real_port_names_come_from_the_config() -> None:
    """A classic 2960-class switch has Fa0/1-24 and Gi0/1-2: Gi1/0/1 does not exist there,
    and a V600 S5735 calls its ports GE1/0/x."""
    classic = loaded(next(c for c in CONFIGS if c.name == "rodrigo-serpa--switches-switch7"))
    con = Console(Terminal(classic, classic.open_shell("x", 15)))
    con.run("configure terminal")
    wrong = con.send("interface GigabitEthernet1/0/1")
    assert "% Invalid input detected at '^' marker." in wrong
    caret = wrong.splitlines()[0]
    assert caret.index("^") == len("Switch7(config)#interface GigabitEthernet")
    assert con.send("interface FastEthernet0/24").endswith("Switch7(config-if)#")
    assert con.send("interface gi0/2").endswith("Switch7(config-if)#")
    v600 = loaded(next(c for c in CONFIGS if c.name == "index-54621407231--sw2pop20-navegantes"))
    con = Console(Terminal(v600, v600.open_shell("x")))
    con.run("system-view")
    assert "Error: Wrong parameter" in con.send("interface GigabitEthernet0/0/1")
    assert con.send("interface ge1/0/48").endswith("SW2POP20_NAVEGANTES-GE1/0/48]")
    assert con.send("interface 10GE1/0/4").endswith("SW2POP20_NAVEGANTES-10GE1/0/4]")
    # the sourced S5732 (V600): MultiGE ports
    s5732 = loaded(next(c for c in CONFIGS if c.name == "ohihc5--vrpcfg-s5732-h48um4y2cz"))
    con = Console(Terminal(s5732, s5732.open_shell("x")))
    con.run("system-view")
    assert "Error: Wrong parameter" in con.send("interface GigabitEthernet0/0/1")
    assert con.send("interface MultiGE1/0/48").endswith("edisdrcnsw02-MultiGE1/0/48]")


def test_invalid_lines_are_rejected_as_the_device_does() -> None:
    ios = loaded(next(c for c in CONFIGS if c.name == "warmoni--lab04-sw2"))
    con = Console(Terminal(ios, ios.open_shell("x", 15)))
    con.run("configure terminal")
    assert con.send("hostname").startswith("% Incomplete command.")
    assert "% Invalid input" in con.send("switchport mode trunk")  # not in global mode
    # the sourced S2700-52P (a real V100 switch), then the unsourced expointer as extra data
    for name in ("iyifanx--vrpcfg-s2700-52p", "index-54736178315--sw1pop15-expointer"):
        vrp = loaded(next(c for c in CONFIGS if c.name == name))
        con = Console(Terminal(vrp, vrp.open_shell("x")))
        con.run("system-view")
        assert "Error: Incomplete command found" in con.send("sysname")
        assert "Error: Unrecognized command found" in con.send("port link-type trunk")


def test_nested_vrp_views_edit_their_own_level() -> None:
    config = next(c for c in CONFIGS if c.name == "index-54736178315--sw1pop15-expointer")
    device = loaded(config)
    con = Console(Terminal(device, device.open_shell("x")))
    con.run("screen-length 0 temporary", "system-view", "aaa")
    assert con.send("domain default").endswith("[SW1POP15_EXPOINTER-aaa-domain-default]")
    con.run("authentication-scheme default", "quit")
    assert con.send("authentication-scheme radius").endswith("-aaa-authen-radius]")
    con.run("authentication-mode local radius", "return")
    shown = con.send("display current-configuration")
    assert (
        "\n domain default\n  authentication-scheme default\n  accounting-scheme default\n"
        "  radius-server default\n domain default_admin\n" in shown
    )
    assert "\n authentication-scheme radius\n  authentication-mode local radius\n" in shown
    con.run("system-view", "aaa")
    refused = con.send("undo accounting-scheme default")
    assert refused.startswith("Error: The default accounting scheme cannot be deleted.")
    assert con.send("undo domain default").startswith("Error: The default domain cannot")


def test_management_is_reachable_on_the_address_the_config_gives() -> None:
    """The inventory knows nothing of this switch (management 10.64.114.2 is not in its
    config): it is reachable on its own SVI address until that goes, not on the inventory's."""
    config = next(c for c in CONFIGS if c.name == "warmoni--lab04-sw2")
    device = loaded(config, management=IPv4Address("10.64.114.2"))
    own = device.management_addresses()
    assert own == [IPv4Address("192.168.3.2")]
    assert device.answering()
    con = Console(Terminal(device, device.open_shell("x", 15)))
    svi = next(
        line
        for line in config.text.splitlines()
        if line.startswith("interface Vlan")
        and f"ip address {own[0]} " in config.text.split(line, 1)[1].split("!", 1)[0]
    )
    con.run("configure terminal", svi, "shutdown")
    assert not device.answering()
    con.run("no shutdown")
    assert device.answering()


def test_interface_history_records_every_state_of_a_session() -> None:
    config = next(c for c in CONFIGS if c.name == "warmoni--lab04-sw2")
    device = loaded(config)
    con = Console(Terminal(device, device.open_shell("x", 15)))
    con.run("configure terminal", "interface Ethernet0/1", "shutdown", "no shutdown")
    con.run("switchport trunk native vlan 99", "end")
    states = device.history.of("Ethernet0/1")
    assert [s.admin_up for s in states] == [True, False, True, True]
    assert states[0].mode == "trunk"
    assert states[-1].vlan == 99
    assert device.history.ever_down("Ethernet0/1")
    assert not device.history.ever_down("Ethernet0/0")


@pytest.mark.parametrize(
    ("vrp5_name", "vrp5_port", "v8_name", "v8_port"),
    [
        # sourced: the real S2700-52P (V100) and the real S5732 (V600)
        (
            "iyifanx--vrpcfg-s2700-52p",
            "Ethernet0/0/1",
            "ohihc5--vrpcfg-s5732-h48um4y2cz",
            "MultiGE1/0/1",
        ),
        # unsourced extra data
        (
            "index-54736178315--sw1pop15-expointer",
            "XGigabitEthernet0/0/9",
            "index-54621407231--sw2pop20-navegantes",
            "10GE1/0/4",
        ),
    ],
)
def test_vrp5_history_and_vrpv8_records_only_what_was_committed(
    vrp5_name: str, vrp5_port: str, v8_name: str, v8_port: str
) -> None:
    vrp5 = loaded(next(c for c in CONFIGS if c.name == vrp5_name))
    con = Console(Terminal(vrp5, vrp5.open_shell("x")))
    con.run("system-view", f"interface {vrp5_port}", "shutdown", "undo shutdown")
    assert [s.admin_up for s in vrp5.history.of(vrp5_port)] == [True, False, True]
    v8 = loaded(next(c for c in CONFIGS if c.name == v8_name))
    con = Console(Terminal(v8, v8.open_shell("x")))
    con.run("system-view", f"interface {v8_port}", "shutdown", "undo shutdown", "commit")
    assert [s.admin_up for s in v8.history.of(v8_port)] == [True]  # never down on the wire
    con.run(f"interface {v8_port}", "shutdown", "commit")
    assert v8.history.ever_down(v8_port)


# ------------------------------------------------------------------ over real SSH (netmiko)
@pytest.fixture(scope="module")
def corpus_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    specs = [DeviceSpec(hostname=c.name, platform=c.platform) for c in CONFIGS]
    network = worker_network().replace(".0.0/16", ".2.0/24")
    state = tmp_path_factory.mktemp("corpus-lab")
    with Lab(specs, network=network, state_dir=state, snmp=False) as lab:
        for config in CONFIGS:
            lab.load_config(config.name, config.text, cipher_secrets(config))
        yield lab


def connect(lab: Lab, name: str, username: str, password: str) -> BaseConnection:
    params = lab.netmiko_params(name, lab.known_hosts(name))
    params.update(username=username, password=password, secret=ENABLE, conn_timeout=10)
    return ConnectHandler(**params)


@pytest.mark.parametrize("name", sorted(LOGINS))
def test_ssh_login_with_own_credentials_shows_the_config(corpus_lab: Lab, name: str) -> None:
    config = next(c for c in CONFIGS if c.name == name)
    username, password, level = LOGINS[name]
    with connect(corpus_lab, name, username, password) as conn:
        if config.platform == "cisco_ios":
            assert f"is {level}" in conn.send_command("show privilege")
            conn.enable()  # the config's own enable secret
            shown = str(conn.send_command("show running-config"))
            assert shown.startswith("Building configuration...")
        else:
            shown = str(conn.send_command("display current-configuration"))
    assert normalized(config.platform, shown) == normalized(config.platform, config.text)


@pytest.mark.parametrize("name", ["warmoni--lab02-sw1", "rodrigo-serpa--enta-config"])
def test_ssh_login_refused_where_the_config_refuses(corpus_lab: Lab, name: str) -> None:
    with pytest.raises(NetmikoAuthenticationException):
        connect(corpus_lab, name, "admin", LINE)


@pytest.mark.parametrize(
    ("name", "user", "client", "show", "shown"),
    [
        # sourced: gun98's 2960, access-class 10 permits host 10.10.30.10 (netadmin: level 1)
        ("gun98--configs-sw1-2960", "netadmin", "10.10.30.10", "", "SW1>"),
        # unsourced extra data: acl 2001 permits 10.10.66.0/24
        (
            "index-24709222996--s5700a",
            "cheche",
            "10.10.66.5",
            "display current-configuration",
            "sysname S5700A",
        ),
    ],
)
def test_ssh_vty_acl_sees_the_lab_client_address(
    corpus_lab: Lab, name: str, user: str, client: str, *, show: str, shown: str
) -> None:
    closed = corpus_lab.server.acl_refusals
    # 127.x is not in the vty ACL: the device closes the connection before any login is
    # asked (not an authentication failure: the client never gets to send a password)
    with pytest.raises(EOFError):
        connect(corpus_lab, name, user, USER)
    assert corpus_lab.server.acl_refusals == closed + 1
    corpus_lab.set_client_address(client)
    try:
        with connect(corpus_lab, name, user, USER) as conn:
            assert shown in (conn.send_command(show) if show else conn.find_prompt())
    finally:
        corpus_lab.set_client_address(None)
