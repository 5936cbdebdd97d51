"""The Lab API from an inventory, the overlay it writes, and the ``communet lab`` commands."""

from __future__ import annotations

import json
from ipaddress import IPv4Address, ip_network
from pathlib import Path

import pytest
from click.testing import CliRunner
from netmiko import ConnectHandler

from communet.inventory.loader import load_inventory
from communet.lab import Lab, specs_from_inventory
from communet.lab.runtime import SIMULATED, lab_addresses
from communet_cli.lab_cmd import lab as lab_group
from tests.lab.conftest import DEMO, worker_network


def test_every_simulated_inventory_device_gets_its_own_loopback_address(tmp_path: Path) -> None:
    inventory = load_inventory(DEMO)
    expected = {d.hostname for d in inventory.devices if d.platform in SIMULATED}
    specs = specs_from_inventory(DEMO, scale=2)
    assert len(specs) == 2 * len(expected)
    network = worker_network().replace(".0.0/16", ".2.0/24")
    with Lab(specs, network=network, state_dir=tmp_path) as running:
        overlay = json.loads((tmp_path / "lab.json").read_text())
        addresses = [d["address"] for d in overlay["devices"].values()]
        assert len(set(addresses)) == len(specs)
        assert all(IPv4Address(a) in ip_network("127.0.0.0/8") for a in addresses)
        assert expected <= set(overlay["devices"])
        assert overlay["port"] == running.port
        lines = (tmp_path / "known_hosts").read_text().splitlines()
        assert sum(line.count(",") + 1 for line in lines) == len(specs)
        host = next(iter(expected))
        assert (tmp_path / "known_hosts.d" / running.addresses[host]).exists()
        site = running.device(host).spec.site
        hosts = running.set_site_fault(site, reject=("write",))
        assert host in hosts
        assert all(running.device(h).faults.reject == ("write",) for h in hosts)
        with pytest.raises(KeyError, match="no site"):
            running.site_hosts("nowhere")
    # the inventory's own addresses are untouched
    again = {d.hostname: d.management for d in load_inventory(DEMO).devices}
    assert again == {d.hostname: d.management for d in inventory.devices}


def test_lab_refuses_addresses_outside_loopback() -> None:
    with pytest.raises(ValueError, match=r"outside 127\.0\.0\.0/8"):
        next(lab_addresses("10.0.0.0/24"))
    assert next(lab_addresses("127.5.0.0/16")) == "127.5.0.1"


def test_brownfield_config_and_factory_reset(lab: Lab, known_hosts: Path) -> None:
    # The device logs in with what its own config says (the lab's credentials happen to be
    # the ones configured here), not with the lab's whatever the config holds.
    config = (
        "hostname ios-router\nenable secret lab\nusername admin privilege 1 secret lab\n"
        "interface GigabitEthernet0/0/0\n description legacy WAN\n"
        " ip address 192.0.2.1 255.255.255.252\n"
        "line vty 0 4\n login local\n transport input ssh\n"
    )
    lab.load_config("ios-router", config)
    params = lab.netmiko_params("ios-router", known_hosts)
    with ConnectHandler(**params) as conn:
        conn.enable()
        assert "description legacy WAN" in conn.send_command("show startup-config")
    lab.factory_reset("ios-router")
    with ConnectHandler(**params) as conn:
        conn.enable()
        assert "legacy WAN" not in conn.send_command("show running-config")


def test_cli_up_status_fault_down(tmp_path: Path) -> None:
    runner = CliRunner()
    state = tmp_path / "state"
    network = worker_network().replace(".0.0/16", ".1.0/24")
    common = ["--state-dir", str(state)]
    env = {
        "COMMUNET_USERNAME": "ky-thuat",
        "COMMUNET_PASSWORD": "lab-pass-1",
        "COMMUNET_ENABLE": None,
    }
    result = runner.invoke(lab_group, ["up", str(DEMO), "--network", network, *common], env=env)
    assert result.exit_code == 0, result.output
    try:
        assert "devices on port" in result.output
        overlay = json.loads((state / "lab.json").read_text())
        # the inventory's env: credential references are honoured, so apply --lab just works
        assert (overlay["username"], overlay["password"]) == ("ky-thuat", "lab-pass-1")
        assert overlay["enable"] == "lab"  # COMMUNET_ENABLE unset: the lab default
        status = runner.invoke(lab_group, ["status", *common])
        assert "lab running" in status.output
        host = next(h for h, d in overlay["devices"].items() if d["platform"] == "cisco_ios")
        assert overlay["devices"][host]["address"] in status.output
        fault = runner.invoke(lab_group, ["fault", host, "--auth-failure", *common])
        assert fault.exit_code == 0, fault.output
        site = runner.invoke(
            lab_group,
            ["fault", "--commune", "dinh-hai", "--delay", "0.1", "--reject", "write", *common],
        )
        assert site.exit_code == 0, site.output
        assert (
            runner.invoke(
                lab_group, ["fault", "--commune", "dinh-hai", "--clear", *common]
            ).exit_code
            == 0
        )
        bad = runner.invoke(lab_group, ["fault", "no-such-host", "--delay", "1", *common])
        assert bad.exit_code != 0
        assert "no device 'no-such-host'" in bad.output
        reboot = runner.invoke(lab_group, ["reboot", host, *common])
        assert reboot.exit_code == 0, reboot.output
        console = runner.invoke(lab_group, ["console", host, *common])
        assert "factory state on serial console /dev/pts/" in console.output
        again = runner.invoke(lab_group, ["up", str(DEMO), *common])
        assert again.exit_code != 0
        assert "already running" in again.output
    finally:
        down = runner.invoke(lab_group, ["down", *common])
    assert "lab down" in down.output
    assert "lab down" in runner.invoke(lab_group, ["status", *common]).output
