from __future__ import annotations

from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from pathlib import Path
from typing import Any

import yaml

from communet.inventory import load_inventory
from communet.inventory.model import REFERENCE_VLANS, Pool, Vlan
from communet.ipplan import Exhausted, allocate, host_address, vlan_misfits, vlan_subnets, wan_pair

LAN = Pool(supernet=IPv4Network("10.0.0.0/9"), block=24, first_code=0)


def test_block_is_keyed_by_the_official_code() -> None:
    assert allocate(LAN, "commune_lan", 15142) == IPv4Network("10.59.38.0/24")
    assert allocate(LAN, "commune_lan", 0) == IPv4Network("10.0.0.0/24")
    assert allocate(LAN, "commune_lan", 32767) == IPv4Network("10.127.255.0/24")


def test_first_code_shifts_the_pool() -> None:
    pool = Pool(supernet=IPv4Network("10.38.0.0/16"), block=24, first_code=15000)
    assert allocate(pool, "p", 15000) == IPv4Network("10.38.0.0/24")
    assert allocate(pool, "p", 15255) == IPv4Network("10.38.255.0/24")


def test_exhausted_pool_names_the_pool_and_how_many_blocks_are_missing() -> None:
    pool = Pool(supernet=IPv4Network("10.38.0.0/22"), block=24, first_code=15000)
    result = allocate(pool, "commune_lan of district thach-thanh", 15009)
    assert isinstance(result, Exhausted)
    assert result.message() == (
        "pool commune_lan of district thach-thanh (10.38.0.0/22, /24 blocks from code 15000) "
        "has 4 blocks; code 15009 needs block #9, 6 more than the pool holds"
    )
    assert result.hint() == (
        "widen the supernet to /20 (room for 16 blocks), raise first_code, "
        "or give this site an explicit lan_block/ce_address"
    )


def test_code_below_first_code_is_refused() -> None:
    pool = Pool(supernet=IPv4Network("10.38.0.0/22"), block=24, first_code=15000)
    result = allocate(pool, "p", 14999)
    assert isinstance(result, Exhausted)
    assert result.message() == (
        "pool p (10.38.0.0/22, /24 blocks) starts at code 15000, but code 14999 comes before it"
    )
    assert result.hint() == "set first_code to 14999 or lower"


def test_wan_pairs() -> None:
    assert wan_pair(IPv4Network("172.16.0.4/30")) == (
        IPv4Interface("172.16.0.5/30"),
        IPv4Address("172.16.0.6"),
    )
    assert wan_pair(IPv4Network("172.16.0.4/31")) == (
        IPv4Interface("172.16.0.4/31"),
        IPv4Address("172.16.0.5"),
    )


def test_reference_vlans_are_carved_without_overlap() -> None:
    vlans = vlan_subnets(IPv4Network("10.59.38.0/24"), REFERENCE_VLANS, {"CANBO": 21})
    by_name = {v.name: v for v in vlans}
    assert by_name["MGMT"].subnet == IPv4Network("10.59.38.0/27")
    assert by_name["HNTH"].subnet == IPv4Network("10.59.38.32/27")
    assert by_name["MOTCUA"].subnet == IPv4Network("10.59.38.64/27")
    assert by_name["CANBO"].subnet == IPv4Network("10.59.38.128/25")
    assert by_name["CANBO"].id == 21
    assert by_name["CANBO"].gateway == IPv4Interface("10.59.38.129/25")
    assert by_name["INTERNET"].subnet is None
    assert by_name["BLACKHOLE"].gateway is None
    subnets = [v.subnet for v in vlans if v.subnet]
    assert not any(a.overlaps(b) for i, a in enumerate(subnets) for b in subnets[i + 1 :])


def test_vlan_that_does_not_fit_the_block_is_reported() -> None:
    vlans = (Vlan(id=20, name="CANBO", purpose="x", offset=128, prefix=25),)
    assert vlan_misfits(24, vlans) == []
    assert vlan_misfits(25, vlans) == ["VLAN CANBO (128/25) does not fit in a /25 block"]


def test_host_address_stays_inside_the_subnet() -> None:
    net = IPv4Network("10.0.0.0/29")
    assert host_address(net, 1) == IPv4Address("10.0.0.1")
    assert host_address(net, 6) == IPv4Address("10.0.0.6")
    assert host_address(net, 7) is None  # broadcast
    assert host_address(net, 0) is None  # network


def _addresses(root: Path) -> dict[str, tuple[str, str]]:
    loaded = load_inventory(root)
    return {
        d.hostname: (str(d.management), str(d.site.wan[0]) if d.site.wan else "")
        for d in loaded.devices
    }


def _edit(path: Path, change: Any) -> None:
    data = yaml.safe_load(path.read_text("utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")


def test_adding_or_removing_a_commune_never_renumbers_another(demo_copy: Path) -> None:
    before = _addresses(demo_copy)
    district = demo_copy / "districts" / "thach-thanh.yml"
    _edit(district, lambda d: d["communes"].pop(0))  # remove Phú Sơn (lowest code)
    _edit(
        district,
        lambda d: d["communes"].insert(
            0,
            {
                "code": "15001",
                "name": "Thành Mỹ",
                "tslcd": {"circuit_id": "TSLCD-THA-15001", "bandwidth_mbps": 20},
                "devices": [{"role": "access_switch"}, {"role": "ce_router"}],
            },
        ),
    )
    after = _addresses(demo_copy)
    assert after.pop("thanh-my-sw1") == ("10.58.153.2", "172.16.234.101/30")
    assert after.pop("thanh-my-ce1") == ("10.58.153.1", "172.16.234.101/30")
    removed = {h for h in before if h.startswith("phu-son-thach-thanh-")}
    assert removed
    assert not removed & after.keys()
    assert after == {h: a for h, a in before.items() if h not in removed}


def test_explicit_overrides_win(demo_copy: Path) -> None:
    district = demo_copy / "districts" / "thach-thanh.yml"

    def override(data: Any) -> None:
        commune = data["communes"][1]
        commune["lan_block"] = "10.200.7.0/24"
        commune["devices"][0]["management"] = "10.200.7.99"

    _edit(district, override)
    after = _addresses(demo_copy)
    assert after["thanh-son-sw1"][0] == "10.200.7.99"
    assert after["thanh-son-ce1"][0] == "10.200.7.1"
    # Explicit CE/PE pair from the demo file itself.
    assert after["dinh-hai-ce1"][1] == "100.64.10.1/30"


def test_demo_addresses_are_stable() -> None:
    """Pinned: a change to the allocation rules must show up here, not in the field."""
    addresses = _addresses(Path(__file__).resolve().parent.parent / "inventory" / "demo")
    assert addresses["phu-son-thach-thanh-sw1"] == ("10.59.38.2", "172.16.236.153/30")
    assert addresses["phu-son-thach-thanh-vc1"] == ("10.59.38.42", "172.16.236.153/30")
    assert addresses["hub-thach-thanh-mon1"] == ("10.129.135.20", "172.18.6.29/30")
    assert addresses["dinh-hai-sw2"] == ("10.64.120.3", "100.64.10.1/30")
