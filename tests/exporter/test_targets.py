"""Targets from the inventory: selection by scope, hub and shard; what each device gets."""

from __future__ import annotations

from pathlib import Path

import pytest

from communet.inventory import load_inventory
from communet.probe.codec import CodecLogin
from communet.probe.snmp import SnmpV3User
from communet_exporter.targets import (
    ConfigError,
    Reach,
    Selection,
    Shard,
    build_targets,
    select,
)

REPO = Path(__file__).resolve().parents[2]
LOADED = load_inventory(REPO / "inventory" / "demo")
SNMP = {plan.province.slug: plan.province.snmp for plan in LOADED.plans}
ENV = {"COMMUNET_USERNAME": "admin", "COMMUNET_PASSWORD": "lab", "COMMUNET_ENABLE": "lab"}
VAULT = {"snmp_user": "u", "snmp_auth_key": "authkey1", "snmp_priv_key": "privkey1"}


def hostnames(selection: Selection) -> set[str]:
    return {d.hostname for d in select(LOADED.devices, selection)}


def test_shards_partition_the_devices_stably() -> None:
    everything = hostnames(Selection())
    parts = [hostnames(Selection(shard=Shard(i, 3))) for i in (1, 2, 3)]
    assert set().union(*parts) == everything
    assert sum(len(p) for p in parts) == len(everything)
    assert all(parts)  # 19 devices over 3 shards: none empty
    assert parts[0] == hostnames(Selection(shard=Shard.parse("1/3")))


def test_hub_and_scope_select() -> None:
    nghi_son = hostnames(Selection(hub="nghi-son"))
    assert nghi_son == {d.hostname for d in LOADED.devices if d.district == "nghi-son"}
    assert hostnames(Selection(scope="dinh-hai")) == {
        "dinh-hai-sw1",
        "dinh-hai-sw2",
        "dinh-hai-ce1",
        "dinh-hai-vc1",
    }
    assert hostnames(Selection(scope="dinh-hai", hub="thach-thanh")) == set()


def test_what_each_device_is_probed_with() -> None:
    devices = select(LOADED.devices, Selection(scope="dinh-hai"))
    targets = {t.hostname: t for t in build_targets(devices, SNMP, Reach(), VAULT, environ=ENV)}
    ce, codec, switch = targets["dinh-hai-ce1"], targets["dinh-hai-vc1"], targets["dinh-hai-sw1"]
    assert ce.wan_interface == "GigabitEthernet0/0/0"  # the ISR4321's WAN, from the port data
    assert ce.snmp == SnmpV3User("u", "authkey1", "privkey1")
    assert switch.wan_interface is None
    assert codec.snmp is None
    assert codec.codec == CodecLogin("admin", "lab")
    assert "lab" not in repr(codec.codec)  # the password never prints
    assert "authkey1" not in repr(ce.snmp)
    assert dict(ce.labels) == {
        "province": "demo",
        "district": "nghi-son",
        "commune": "dinh-hai",
        "instance": "dinh-hai-ce1",
        "role": "ce_router",
        "platform": "cisco_ios",
    }
    management = {d.hostname: str(d.management) for d in devices}
    assert ce.address == management["dinh-hai-ce1"]  # production: the management address


def test_lab_reach_uses_the_overlay_and_skips_what_the_lab_does_not_simulate() -> None:
    lab = {
        "dinh-hai-sw1": {"address": "127.100.0.7", "known_hosts": "/tmp/kh/127.100.0.7"},
    }
    reach = Reach(ssh_port=2222, snmp_port=2222, lab=lab)
    devices = select(LOADED.devices, Selection(scope="dinh-hai"))
    targets = build_targets(devices, SNMP, reach, VAULT, tcp_services=("ssh",), environ=ENV)
    assert [(t.hostname, t.address, t.snmp_port) for t in targets] == [
        ("dinh-hai-sw1", "127.100.0.7", 2222)
    ]
    assert targets[0].tcp == (("ssh", 2222),)
    assert str(targets[0].known_hosts) == "/tmp/kh/127.100.0.7"


@pytest.mark.parametrize("text", ["0/2", "2/1", "a/b", "3"])
def test_bad_shards(text: str) -> None:
    with pytest.raises(ConfigError, match="--shard"):
        Shard.parse(text)
