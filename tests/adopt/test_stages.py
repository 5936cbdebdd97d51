"""The pure half of adoption: the stages of a real plan, and carrying a host key over."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import asyncssh
import pytest

from communet.adopt import carry_host_key, stage_plan
from communet.inventory import load_inventory
from communet.inventory.export import device_record
from communet.inventory.model import Ports
from communet.plan.facts import interfaces_in
from communet.render import render_device
from communet.secrets import PlaceholderResolver
from communet.session import HostKeyError

from .conftest import BROWNFIELD, DEMO, HOST, brownfield_inventory

OLD = ("192.168.1.250", "admin")
NEW = ("10.64.120.2", "noc-admin")


def intended_for(running: str, ports: Ports | None = None) -> str:
    loaded = load_inventory(DEMO)
    device = replace(next(d for d in loaded.devices if d.hostname == HOST), ports=ports)
    plan = next(p for p in loaded.plans if p.province.slug == device.province)
    found = interfaces_in("cisco_ios", running)
    return render_device(plan, device, PlaceholderResolver(), interfaces=found).text


def test_stage_one_adds_the_new_path_and_keeps_todays() -> None:
    running = BROWNFIELD.read_text("utf-8")
    staged = stage_plan(HOST, "cisco_ios", running, intended_for(running), old=OLD, new=NEW)
    first = "\n".join(staged.converge)
    assert "interface Vlan10\n description MGMT\n ip address 10.64.120.2 255.255.255.224" in first
    assert "ip default-gateway 10.64.120.1" in first
    assert "interface Vlan1\n" not in first
    assert "no username" not in first
    # the old path is all stage 3 does (plus the write-only SNMP user line riding along)
    assert [c for c in staged.move if not c.startswith("snmp-server user ")] == [
        "interface Vlan1",
        " shutdown",
        " no ip address",
        "exit",
        "no username admin",
    ]
    # the management move is what adoption is for: nothing else blocks
    assert staged.blocking == ()
    rules = {f.split(":", 1)[0] for f in staged.findings}
    assert {"management-path", "default-route"} <= rules


def test_other_destructive_lines_still_need_force() -> None:
    running = BROWNFIELD.read_text("utf-8")
    intended = intended_for(running, Ports(uplink="GigabitEthernet0/1"))
    staged = stage_plan(HOST, "cisco_ios", running, intended, old=OLD, new=NEW)
    assert [b.split(":", 1)[0] for b in staged.blocking] == ["native-vlan", "trunk-vlan-in-use"]


def key_line(name: str) -> tuple[str, str]:
    public = asyncssh.generate_private_key("ssh-ed25519").export_public_key("openssh").decode()
    return f"{name} {public.split()[0]} {public.split()[1]}\n", public.split()[1]


def test_the_key_proved_on_the_old_address_is_carried_over(tmp_path: Path) -> None:
    old = tmp_path / "old"
    line, key = key_line("[127.0.0.9]:2222")
    old.write_text(line, "ascii")
    shared = tmp_path / "known_hosts"
    shared.write_text(key_line("other.example")[0], "ascii")
    undo = carry_host_key(HOST, ("127.0.0.9", 2222, old), ("10.64.120.2", 22, shared))
    assert shared.read_text("ascii").splitlines()[1] == f"10.64.120.2 ssh-ed25519 {key}"
    # a second device carried into the same file meanwhile stays when the first is undone
    second, _ = key_line("[127.0.0.8]:2222")
    old.write_text(line + second, "ascii")
    carry_host_key("sw2", ("127.0.0.8", 2222, old), ("10.64.121.2", 22, shared))
    undo()
    lines = shared.read_text("ascii").splitlines()
    assert [entry.split()[0] for entry in lines] == ["other.example", "10.64.121.2"]


def test_a_key_already_known_for_the_new_address_is_left_to_verify(tmp_path: Path) -> None:
    old = tmp_path / "old"
    line, _ = key_line("[127.0.0.9]:2222")
    old.write_text(line, "ascii")
    new = tmp_path / "new"
    known, _ = key_line("[127.0.0.10]:2222")
    new.write_text(known, "ascii")
    undo = carry_host_key(HOST, ("127.0.0.9", 2222, old), ("127.0.0.10", 2222, new))
    undo()
    assert new.read_text("ascii") == known


def test_no_verified_key_for_the_old_address_is_an_error(tmp_path: Path) -> None:
    old = tmp_path / "old"
    old.write_text(key_line("[127.0.0.7]:2222")[0], "ascii")
    with pytest.raises(HostKeyError) as caught:
        carry_host_key(HOST, ("127.0.0.9", 2222, old), ("127.0.0.10", 2222, tmp_path / "n"))
    assert str(caught.value) == f"{HOST}: no verified host key for [127.0.0.9]:2222 in {old}"


def test_the_export_shows_reach_by_reference_only(tmp_path: Path) -> None:
    loaded = load_inventory(brownfield_inventory(tmp_path / "inventory"))
    records = {d.hostname: device_record(d) for d in loaded.devices}
    assert records[HOST]["reach"] == {
        "address": "192.168.1.250",
        "port": 22,
        "credentials": {
            "username": "vault:old_user",
            "password": "vault:old_pass",
            "enable": "vault:old_enable",
        },
    }
    assert records["dinh-hai-sw2"]["reach"] is None
