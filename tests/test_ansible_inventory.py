"""The Ansible inventory plugin (plugins/inventory/communet.py), run through the real CLIs.

``ansible-inventory`` and ``ansible-playbook`` come from the same venv as this interpreter; the
repository's ansible.cfg enables the plugin. Playbooks run on the control node only.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DEMO_CONFIG = REPO / "inventory" / "demo.communet.yml"
PLAYBOOKS = Path(__file__).resolve().parent / "ansible"
INJECTION = "{{ lookup('pipe','id') }}"
SWITCH = "phu-son-thach-thanh-sw1"


# ------------------------------------------------------------------------------ helpers
@pytest.fixture(scope="module")
def ansible_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("ansible-home")
    return {
        **os.environ,
        "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
        "ANSIBLE_HOME": str(home),
        "ANSIBLE_LOCAL_TEMP": str(home / "local-tmp"),
        "ANSIBLE_REMOTE_TEMP": str(home / "remote-tmp"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_DEPRECATION_WARNINGS": "0",
    }


def run(tool: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / tool), *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def plain(value: Any) -> Any:
    """Undo ansible-inventory's ``{"__ansible_unsafe": text}`` wrapping."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def strings_not_marked_unsafe(value: Any, where: str = "") -> list[str]:
    if isinstance(value, str):
        return [where]
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return []
        return [p for k, v in value.items() for p in strings_not_marked_unsafe(v, f"{where}.{k}")]
    if isinstance(value, list):
        return [
            p for i, v in enumerate(value) for p in strings_not_marked_unsafe(v, f"{where}[{i}]")
        ]
    return []


def members(listing: dict[str, Any], group: str) -> set[str]:
    """Hosts of a group including those of its child groups, as Ansible targets them."""
    entry = listing.get(group, {})
    found = set(entry.get("hosts", []))
    for child in entry.get("children", []):
        found |= members(listing, child)
    return found


def graph_paths(graph: str) -> dict[str, list[list[str]]]:
    """Each node of ``--graph`` output → the chains of ancestors it appears under."""
    paths: dict[str, list[list[str]]] = {}
    stack: list[str] = []
    for line in graph.splitlines():
        depth = line.find("|--") // 3 + 1 if "|--" in line else 0
        name = line.split("|--")[-1].rstrip(":")
        del stack[depth:]
        paths.setdefault(name, []).append(list(stack))
        stack.append(name)
    return paths


def demo_copy(tmp_path: Path) -> Path:
    """A private copy of the demo inventory plus a plugin config pointing at it."""
    shutil.copytree(REPO / "inventory" / "demo", tmp_path / "demo")
    config = tmp_path / "copy.communet.yml"
    config.write_text("plugin: communet.network.communet\npath: demo\n", encoding="utf-8")
    return config


@pytest.fixture(scope="module")
def demo_list(ansible_env: dict[str, str]) -> dict[str, Any]:
    result = run("ansible-inventory", ansible_env, "-i", str(DEMO_CONFIG), "--list")
    assert result.returncode == 0, result.stderr
    listing: dict[str, Any] = json.loads(result.stdout)
    return listing


@pytest.fixture(scope="module")
def hostvars(demo_list: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = plain(demo_list["_meta"]["hostvars"])
    return found


# --------------------------------------------------------------------------- the graph
@pytest.mark.slow
def test_graph_groups_by_province_district_commune_role_platform(
    ansible_env: dict[str, str],
) -> None:
    result = run("ansible-inventory", ansible_env, "--graph")  # ansible.cfg names the demo
    assert result.returncode == 0, result.stderr
    graph = result.stdout
    for group in (
        "province_demo",
        "district_thach_thanh",
        "district_nghi_son",
        "commune_phu_son_thach_thanh",
        "commune_phu_son_nghi_son",
        "role_access_switch",
        "role_video_endpoint",
        "platform_cisco_ios",
        "platform_cisco_roomos",
    ):
        assert f"@{group}:" in graph
    # Nested: province > district > commune > host.
    chain = ["@all", "@province_demo", "@district_thach_thanh", "@commune_phu_son_thach_thanh"]
    assert chain in graph_paths(graph)[SWITCH]


@pytest.mark.slow
def test_group_names_are_valid_ansible_names(demo_list: dict[str, Any]) -> None:
    groups = [g for g in demo_list if g != "_meta"]
    assert groups
    assert all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", g) for g in groups), groups


@pytest.mark.slow
def test_switch_is_in_its_commune_district_province_role_and_platform(
    demo_list: dict[str, Any],
) -> None:
    for group in (
        "commune_phu_son_thach_thanh",
        "district_thach_thanh",
        "province_demo",
        "role_access_switch",
        "platform_cisco_ios",
    ):
        assert SWITCH in members(demo_list, group), group
    assert SWITCH not in members(demo_list, "district_nghi_son")
    assert SWITCH not in members(demo_list, "commune_phu_son_nghi_son")
    # A host sits directly only in its commune; district and province reach it as children.
    assert SWITCH in demo_list["commune_phu_son_thach_thanh"]["hosts"]
    assert SWITCH not in demo_list["district_thach_thanh"].get("hosts", [])
    assert "commune_phu_son_thach_thanh" in demo_list["district_thach_thanh"]["children"]
    assert "district_thach_thanh" in demo_list["province_demo"]["children"]


@pytest.mark.slow
def test_hub_devices_sit_in_their_district_without_a_commune(
    demo_list: dict[str, Any], hostvars: dict[str, dict[str, Any]]
) -> None:
    assert "hub-thach-thanh-agg1" in demo_list["district_thach_thanh"]["hosts"]
    assert "hub-thach-thanh-agg1" in members(demo_list, "role_aggregation_switch")
    assert "hub-thach-thanh-agg1" in members(demo_list, "platform_huawei_vrpv8")
    hub = hostvars["hub-thach-thanh-agg1"]
    assert "communet_commune" not in hub
    assert hub["communet_site"] == "hub-thach-thanh"
    assert hub["communet_district"] == "thach-thanh"
    assert "communet_commune" not in hub
    assert "communet_commune_name" not in hub


@pytest.mark.slow
def test_shared_facts_live_on_groups_and_device_facts_on_hosts(
    ansible_env: dict[str, str],
) -> None:
    result = run("ansible-inventory", ansible_env, "-i", str(DEMO_CONFIG), "--list", "--export")
    assert result.returncode == 0, result.stderr
    listing = plain(json.loads(result.stdout))
    assert listing["province_demo"]["vars"]["communet_province_name"] == "Thanh Hóa (lab)"
    assert listing["district_thach_thanh"]["vars"]["communet_district_name"] == "Thạch Thành"
    commune = listing["commune_phu_son_thach_thanh"]["vars"]
    assert commune["communet_commune_name"] == "Phú Sơn"
    assert commune["communet_circuit"] == "TSLCD-THA-15142"
    assert listing["role_access_switch"]["vars"] == {"communet_role": "access_switch"}
    assert listing["platform_cisco_ios"]["vars"] == {
        "communet_platform": "cisco_ios",
        "ansible_connection": "local",
    }
    hosts = listing["_meta"]["hostvars"]
    assert hosts[SWITCH]["ansible_host"] == "10.59.38.2"
    assert hosts[SWITCH]["communet_serial"] == "FOC2231X0AB"
    for site_fact in ("communet_circuit", "communet_role", "communet_province"):
        assert site_fact not in hosts[SWITCH]
    assert hosts["hub-thach-thanh-agg1"]["communet_site"] == "hub-thach-thanh"


# ------------------------------------------------------------------------------ hostvars
@pytest.mark.slow
def test_switch_hostvars(hostvars: dict[str, dict[str, Any]]) -> None:
    sw = hostvars[SWITCH]
    assert sw["ansible_host"] == "10.59.38.2"
    assert "ansible_network_os" not in sw  # no network_cli: the action plugin drives it
    assert sw["ansible_connection"] == "local"
    expected = {
        "communet_role": "access_switch",
        "communet_platform": "cisco_ios",
        "communet_model": "WS-C2960X-24TS-L",
        "communet_serial": "FOC2231X0AB",
        "communet_province": "demo",
        "communet_province_name": "Thanh Hóa (lab)",
        "communet_district": "thach-thanh",
        "communet_district_name": "Thạch Thành",
        "communet_commune": "phu-son-thach-thanh",
        "communet_commune_name": "Phú Sơn",
        "communet_circuit": "TSLCD-THA-15142",
    }
    assert {k: sw[k] for k in expected} == expected
    # Derived detail stays in communet (export --json, the action plugin), not in hostvars.
    for absent in (
        "communet_vlans",
        "communet_labels",
        "communet_credentials",
        "communet_firmware",
    ):
        assert absent not in sw
    # Addresses, bandwidth and VLAN subnets: communet inventory export --json, not hostvars.
    assert "communet_tslcd" not in sw
    assert "communet_lan_block" not in sw
    assert "communet_registrar" not in sw


@pytest.mark.slow
def test_no_credential_reference_reaches_hostvars(hostvars: dict[str, dict[str, Any]]) -> None:
    for host, hv in hostvars.items():
        text = json.dumps(hv)
        assert "env:COMMUNET" not in text, host
        assert "vault:" not in text, host


@pytest.mark.slow
def test_hub_devices_carry_their_hub_circuit(hostvars: dict[str, dict[str, Any]]) -> None:
    assert hostvars["hub-nghi-son-ce1"]["communet_circuit"] == "TSLCD-THA-407-HUB"
    assert hostvars["dinh-hai-ce1"]["communet_circuit"] == "TSLCD-THA-16504"


@pytest.mark.slow
def test_video_endpoint_has_registrar_and_firmware(hostvars: dict[str, dict[str, Any]]) -> None:
    vc = hostvars["thanh-son-vc1"]
    assert vc["communet_role"] == "video_endpoint"
    assert vc["communet_platform"] == "cisco_roomos"
    assert vc["communet_firmware"] == "ce8"
    assert vc["communet_model"] == "SX20"
    assert vc["communet_registrar"] == "mcu-tinh"


@pytest.mark.slow
def test_every_hostvar_string_reaches_ansible_untrusted(demo_list: dict[str, Any]) -> None:
    """ansible-inventory writes strings not trusted as templates as {"__ansible_unsafe": …}."""
    raw = demo_list["_meta"]["hostvars"]
    assert raw[SWITCH]["communet_commune_name"] == {"__ansible_unsafe": "Phú Sơn"}
    trusted = [
        f"{host}{path}"
        for host, hv in raw.items()
        for name, value in hv.items()
        if not name.startswith("inventory_")  # set by Ansible itself from the source path
        for path in strings_not_marked_unsafe(value, f".{name}")
    ]
    assert trusted == []


# ------------------------------------------------------------------ security, end to end
@pytest.mark.slow
def test_template_in_inventory_text_is_never_evaluated(
    tmp_path: Path, ansible_env: dict[str, str]
) -> None:
    config = demo_copy(tmp_path)
    district_file = tmp_path / "demo" / "districts" / "thach-thanh.yml"
    district = yaml.safe_load(district_file.read_text(encoding="utf-8"))
    commune = next(c for c in district["communes"] if c.get("slug") == "phu-son-thach-thanh")
    commune["name"] = INJECTION
    commune["devices"][0]["description"] = INJECTION
    district_file.write_text(yaml.safe_dump(district, allow_unicode=True), encoding="utf-8")
    out_dir = tmp_path / "out"
    out_dir.mkdir()

    result = run(
        "ansible-playbook",
        ansible_env,
        "-i",
        str(config),
        str(PLAYBOOKS / "injection.yml"),
        "-e",
        json.dumps({"out_dir": str(out_dir), "ansible_python_interpreter": sys.executable}),
    )

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "ok=7" in result.stdout, result.stdout
    assert "failed=0" in result.stdout, result.stdout
    assert f'"msg": "{INJECTION}"' in result.stdout
    assert f'"msg": "name={INJECTION} description={INJECTION}"' in result.stdout
    assert f'"msg": "commune={INJECTION} description={INJECTION}"' in result.stdout
    copied = (out_dir / "copied.txt").read_text(encoding="utf-8")
    templated = (out_dir / "templated.txt").read_text(encoding="utf-8")
    assert copied == f"name={INJECTION} description={INJECTION}\n"
    assert templated == f"commune={INJECTION} description={INJECTION}\n"
    for text in (output, copied, templated):
        assert "uid=" not in text


# ------------------------------------------------------------------------------ errors
@pytest.mark.slow
def test_broken_inventory_fails_naming_file_line_and_column(
    tmp_path: Path, ansible_env: dict[str, str]
) -> None:
    config = demo_copy(tmp_path)
    (tmp_path / "demo" / "districts" / "thach-thanh.yml").write_text(
        'code: "391"\n'
        "name: Thạch Thành\n"
        "slug: thach-thanh\n"
        "communes:\n"
        '  - code: "15142"\n'
        "    name: Phú Sơn\n"
        "    colour: red\n",
        encoding="utf-8",
    )

    result = run("ansible-inventory", ansible_env, "-i", str(config), "--list")

    assert result.returncode != 0
    assert re.search(
        r"demo/districts/thach-thanh\.yml:7:5: communes\[0\]\.colour: unknown key 'colour'\n"
        r"    fix: valid keys here: code, coordinates, devices, ",
        result.stderr,
    ), result.stderr
    assert "communet.network.plugins.inventory.communet' plugin: " in result.stderr


# --------------------------------------------------------------- the plugin, in-process
def load_plugin() -> ModuleType:
    path = REPO / "plugins" / "inventory" / "communet.py"
    spec = importlib.util.spec_from_file_location("communet_inventory_plugin_under_test", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_verify_file_accepts_only_communet_configs(tmp_path: Path) -> None:
    plugin = load_plugin().InventoryModule()
    names = {
        "a.communet.yml": True,
        "a.communet.yaml": True,
        "communet.yml": False,
        "a.yml": False,
        "a.communet.yml.bak": False,
    }
    for name, accepted in names.items():
        (tmp_path / name).write_text(
            "plugin: communet.network.communet\npath: demo\n", encoding="utf-8"
        )
        assert plugin.verify_file(str(tmp_path / name)) is accepted, name
    assert plugin.verify_file(str(tmp_path / "missing.communet.yml")) is False


def test_a_group_never_spans_two_provinces() -> None:
    class FakeInventory:
        def __init__(self) -> None:
            self.groups: list[str] = []

        def add_group(self, name: str) -> None:
            self.groups.append(name)

    module = load_plugin()
    groups = module._Groups(FakeInventory())
    assert groups.get("district", "thanh-pho", "thanh-hoa") == ("district_thanh_pho", True)
    assert groups.get("district", "thanh-pho", "thanh-hoa") == ("district_thanh_pho", False)
    assert groups.get("role", "ce_router", "") == ("role_ce_router", True)
    with pytest.raises(module.AnsibleParserError, match="district slug 'thanh-pho' is used in"):
        groups.get("district", "thanh-pho", "nghe-an")


def test_plugin_declares_inventory_text_untrusted() -> None:
    module = load_plugin()
    assert module.InventoryModule.trusted_by_default is False
    assert module.group_name("commune", "phu-son-thach-thanh") == "commune_phu_son_thach_thanh"
