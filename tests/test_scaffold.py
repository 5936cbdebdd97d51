"""The administrative register (communet/data) and the province scaffold built from it."""

from __future__ import annotations

import itertools
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
import yaml

from communet.errors import ScaffoldError
from communet.inventory import LoadedInventory, load_inventory
from communet.inventory.model import CommuneKind, DistrictKind, Structure
from communet.names import is_dns_label
from communet.scaffold import (
    build_province,
    find_province,
    name_slug,
    parse_register,
    register,
    render_province,
    scaffold_province,
    unique_slugs,
    write_province,
)

REPO = Path(__file__).resolve().parent.parent
THANH_HOA = REPO / "inventory" / "thanh-hoa"

# The registers as shipped (tools/gen_register.py checks the same numbers).
PROVINCES = {Structure.THREE_LEVEL: 63, Structure.TWO_LEVEL: 34}
DISTRICTS = 696  # pre-2025 districts; also the hubs of the two-level register
COMMUNES = {Structure.THREE_LEVEL: 10_051, Structure.TWO_LEVEL: 3_321}
COMMUNE_DEVICES, HUB_DEVICES = 4, 3


# ------------------------------------------------------------------------------ register
@pytest.mark.parametrize("structure", list(Structure))
def test_register_counts(structure: Structure) -> None:
    provinces = register(structure)
    districts = [d for p in provinces for d in p.districts]
    communes = [c for d in districts for c in d.communes]
    assert len(provinces) == PROVINCES[structure]
    assert len(districts) == DISTRICTS
    assert len(communes) == len({c.code for c in communes}) == COMMUNES[structure]
    assert not any(p.unplaced for p in provinces)
    assert all(len(p.code) == 2 for p in provinces)
    assert all(len(d.code) == 3 for d in districts)
    assert all(len(c.code) == 5 and c.code.isdigit() for c in communes)


def test_register_keeps_official_prefixes_and_the_2025_hub_rules() -> None:
    (ha_noi, *_) = register(Structure.THREE_LEVEL)
    assert (ha_noi.code, ha_noi.name) == ("01", "Thành phố Hà Nội")
    ba_dinh = ha_noi.districts[0]
    assert (ba_dinh.code, ba_dinh.name) == ("001", "Quận Ba Đình")
    assert (ba_dinh.communes[0].code, ba_dinh.communes[0].name) == ("00001", "Phường Phúc Xá")
    text = (REPO / "communet" / "data" / "register-2025.tsv").read_text("utf-8")
    rules = Counter(line.rsplit("\t", 1)[1] for line in text.splitlines()[1:])
    assert rules == {"same_code": 3_310, "same_name": 5, "nearest_code": 6}
    assert "\tĐặc khu Côn Đảo\t755\tHuyện Côn Đảo\t77\tTỉnh Bà Rịa - Vũng Tàu\tsame_name" in text
    assert unicodedata.is_normalized("NFC", text)
    assert "  " not in text


# ------------------------------------------------------------------------------ national
def _scaffold_all(structure: Structure, root: Path) -> LoadedInventory:
    provinces = register(structure)
    for province in provinces:
        built = build_province(province, structure, provinces)
        write_province(built, root / built.slug)
    return load_inventory(root)  # raises InventoryError listing every problem


@pytest.mark.parametrize("structure", list(Structure))
def test_every_province_scaffolds_and_the_country_loads_without_collisions(
    structure: Structure, tmp_path: Path
) -> None:
    loaded = _scaffold_all(structure, tmp_path)
    plans = loaded.plans
    devices = loaded.devices
    communes = [s for p in plans for s in p.sites if s.kind == "commune"]
    hubs = [s for p in plans for s in p.sites if s.kind == "hub"]
    assert len(plans) == PROVINCES[structure]
    assert len(communes) == COMMUNES[structure]
    assert len(hubs) == DISTRICTS
    assert len(devices) == COMMUNES[structure] * COMMUNE_DEVICES + DISTRICTS * HUB_DEVICES
    for plan in plans:  # hostnames: unique within a province, DNS labels
        hostnames = [d.hostname for d in plan.devices]
        assert len(set(hostnames)) == len(hostnames), plan.province.slug
        assert all(is_dns_label(h) for h in hostnames)
    addresses = [d.management for d in devices]
    assert len(set(addresses)) == len(addresses)
    label_sets = {tuple(sorted(d.labels.items())) for d in devices}
    assert len(label_sets) == len(devices)
    subnets = sorted(
        (int(net.network_address), int(net.broadcast_address))
        for site in (*communes, *hubs)
        for net in (site.lan_block, *([site.wan[0].network] if site.wan else []))
    )
    assert len(subnets) == 2 * len(communes) + 2 * len(hubs)
    for (_, end), (start, _) in itertools.pairwise(subnets):
        assert start > end, "two subnets overlap"
    if structure is Structure.TWO_LEVEL:
        for plan in plans:
            hub_slugs = {d.slug for d in plan.province.districts}
            for district in plan.province.districts:
                assert district.kind is DistrictKind.HUB
                assert {c.former_district for c in district.communes} <= {district.slug}
            assert hub_slugs == {s.district_slug for s in plan.sites}


# ------------------------------------------------------------------------------ Thanh Hóa
def test_thanh_hoa_has_four_phu_son_with_distinct_stable_slugs() -> None:
    first = scaffold_province("Thanh Hóa", Structure.THREE_LEVEL)
    again = scaffold_province("38", Structure.THREE_LEVEL)
    assert (len(first.districts), first.commune_count) == (26, 549)
    phu_son = {c.code: c.slug for d in first.districts for c in d.communes if c.name == "Phú Sơn"}
    assert phu_son == {
        "14770": "phu-son-thanh-hoa",
        "14823": "phu-son-bim-son",
        "14887": "phu-son-quan-hoa",
        "16603": "phu-son-nghi-son",
    }
    assert render_province(first) == render_province(again)


@pytest.mark.parametrize("query", ["Thanh Hóa", "thanh hoa", "Tỉnh Thanh Hóa", "38", "THANH HOÁ"])
def test_province_lookup_accepts_any_spelling(query: str) -> None:
    assert find_province(query, Structure.THREE_LEVEL).code == "38"


def test_committed_thanh_hoa_inventory_equals_a_fresh_scaffold() -> None:
    fresh = render_province(scaffold_province("Thanh Hóa", Structure.THREE_LEVEL))
    committed = {
        path.relative_to(THANH_HOA).as_posix(): path.read_text("utf-8")
        for path in sorted(THANH_HOA.rglob("*.yml"))
    }
    assert sorted(committed) == sorted(fresh), "files differ: regenerate inventory/thanh-hoa"
    for name, text in fresh.items():
        assert committed[name] == text, f"{name} drifted: regenerate inventory/thanh-hoa"
    province = committed["province.yml"]
    assert 'communet inventory scaffold --province "Thanh Hóa"' in province
    assert "never connected to" in province
    assert 'code: "38"' in province


def test_committed_thanh_hoa_inventory_loads() -> None:
    loaded = load_inventory(THANH_HOA)
    assert len(loaded.devices) == 549 * COMMUNE_DEVICES + 26 * HUB_DEVICES


# ------------------------------------------------------------------------------ names
def test_dinh_hoa_in_either_tone_placement_gives_ascii_slugs_and_hostnames() -> None:
    assert name_slug("Huyện Định Hoá") == name_slug("Huyện Định Hóa") == "dinh-hoa"
    nfd = unicodedata.normalize("NFD", "Xã Định Hoá")
    assert name_slug(nfd) == "dinh-hoa"
    thai_nguyen = scaffold_province("Thái Nguyên", Structure.THREE_LEVEL)
    district = next(d for d in thai_nguyen.districts if d.name == "Định Hóa")
    assert district.slug == "dinh-hoa"
    ninh_binh = scaffold_province("Ninh Bình", Structure.THREE_LEVEL)
    commune = next(c for d in ninh_binh.districts for c in d.communes if c.name == "Định Hóa")
    assert commune.slug == "dinh-hoa"
    assert find_province("Hòa Bình", Structure.THREE_LEVEL).name == "Tỉnh Hoà Bình"
    assert find_province("Hoà Bình", Structure.THREE_LEVEL).code == "17"


def test_numbered_wards_keep_their_kind_in_the_slug() -> None:
    assert name_slug("Phường 1") == "phuong-1"
    assert name_slug("Quận 10") == "quan-10"
    hcm = scaffold_province("Hồ Chí Minh", Structure.THREE_LEVEL)
    assert "quan-1" in {d.slug for d in hcm.districts}


def test_slug_collisions_fall_back_to_district_then_kind_then_code() -> None:
    candidates = [
        ("a", "a-x", "a-x-xa", "a-1"),
        ("a", "a-y", "a-y-xa", "a-2"),
        ("b", "b-x", "b-x-xa", "b-3"),
        ("c", "c-x", "c-x-phuong", "c-4"),
        ("c", "c-x", "c-x-xa", "c-5"),
        ("d", "d-x", "d-x-xa", "d-6"),
        ("d", "d-x", "d-x-xa", "d-7"),
    ]
    assert unique_slugs(candidates) == ["a-x", "a-y", "b", "c-x-phuong", "c-x-xa", "d-6", "d-7"]
    with pytest.raises(ScaffoldError, match="cannot make slugs unique: e"):
        unique_slugs([("e",), ("e",)])


def test_two_level_communes_hang_off_their_former_district() -> None:
    hcm = scaffold_province("TP HCM", Structure.TWO_LEVEL)
    con_dao = next(d for d in hcm.districts if d.code == "755")
    assert (con_dao.name, con_dao.slug, con_dao.kind) == ("Côn Đảo", "con-dao", DistrictKind.HUB)
    (special_zone,) = con_dao.communes
    assert (special_zone.code, special_zone.kind) == ("26732", CommuneKind.DAC_KHU)
    assert special_zone.former_district == "con-dao"
    dong_thap = scaffold_province("Đồng Tháp", Structure.TWO_LEVEL)
    assert {"chau-thanh-tien-giang", "chau-thanh-dong-thap", "cai-lay-huyen"} <= {
        d.slug for d in dong_thap.districts
    }


def test_communes_without_a_district_go_to_the_nearest_code_or_fail_clearly() -> None:
    header = (
        "province_code\tprovince_name\tdistrict_code\tdistrict_name\tcommune_code\tcommune_name"
    )
    rows = [
        "98\tTỉnh Thử\t990\tHuyện Một\t40000\tXã Một",
        "98\tTỉnh Thử\t991\tHuyện Hai\t40100\tXã Hai",
        "98\tTỉnh Thử\t\t\t40090\tXã Ba",
        "99\tTỉnh Lẻ\t\t\t40200\tXã Lẻ",
    ]
    provinces = parse_register("\n".join([header, *rows]) + "\n", Structure.THREE_LEVEL)
    built = build_province(provinces[0], Structure.THREE_LEVEL, provinces)
    assert [[c.code for c in d.communes] for d in built.districts] == [
        ["40000"],
        ["40090", "40100"],
    ]
    with pytest.raises(ScaffoldError, match="has communes but no district or hub"):
        build_province(provinces[1], Structure.THREE_LEVEL, provinces)


# ------------------------------------------------------------------------------ errors
def test_unknown_province_names_close_matches() -> None:
    with pytest.raises(ScaffoldError) as error:
        scaffold_province("Thanh Hao", Structure.THREE_LEVEL)
    assert str(error.value) == (
        "no province 'Thanh Hao' in the three_level register (register-2024.tsv, 63 provinces); "
        "did you mean: Thanh Hóa (38), Khánh Hòa (56), Cần Thơ (92)?"
    )


def test_a_former_province_points_at_its_successor() -> None:
    with pytest.raises(ScaffoldError) as error:
        scaffold_province("Quảng Bình", Structure.TWO_LEVEL)
    assert str(error.value) == (
        "Quảng Bình is a former province: since July 2025 it is part of Quảng Trị (44); "
        "scaffold Quảng Trị, or use the three_level (pre-2025) register"
    )


# ------------------------------------------------------------------------------ writing
def test_write_refuses_a_non_empty_directory_unless_forced(tmp_path: Path) -> None:
    built = scaffold_province("Lai Châu", Structure.TWO_LEVEL)
    target = tmp_path / "lai-chau"
    written = write_province(built, target)
    assert len(written) == 1 + len(built.districts)
    stale = target / "districts" / "stale.yml"
    stale.write_text("code: '999'\n", encoding="utf-8")
    with pytest.raises(ScaffoldError, match="already exists and is not empty; choose another"):
        write_province(built, target)
    assert write_province(built, target, force=True) == written
    assert not stale.exists()
    load_inventory(target)


def test_written_yaml_quotes_codes_and_keeps_vietnamese() -> None:
    files = render_province(scaffold_province("Hà Nội", Structure.THREE_LEVEL))
    text = files["districts/ba-dinh.yml"]
    assert 'code: "001"' in text
    assert '  - code: "00001"\n    name: Phúc Xá\n    kind: phuong\n' in text
    assert yaml.safe_load(text)["communes"][0]["code"] == "00001"
    assert "# PLACEHOLDER" in files["province.yml"]
