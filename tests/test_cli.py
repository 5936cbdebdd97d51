from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from communet import __version__
from communet_cli.main import cli

from .conftest import DEMO, REPO


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env=env or {"LANG": "C.UTF-8"})
    return result.exit_code, result.stdout, result.stderr


def test_version() -> None:
    assert run("--version") == (0, f"communet, version {__version__}\n", "")


def test_validate_english_and_vietnamese() -> None:
    assert run("inventory", "validate", str(DEMO))[1] == (
        "OK: 1 province(s), 2 district(s)/hub(s), 4 commune(s), 19 device(s)\n"
    )
    assert run("--lang", "vi", "inventory", "validate", str(DEMO))[1] == (
        "Hợp lệ: 1 tỉnh, 2 huyện/điểm tập trung, 4 xã/phường, 19 thiết bị\n"
    )


def test_lang_vi_vn_environment_selects_vietnamese() -> None:
    code, out, _ = run("inventory", "validate", str(DEMO), env={"LANG": "vi_VN.UTF-8"})
    assert code == 0
    assert out.startswith("Hợp lệ:")


def test_validate_json() -> None:
    code, out, _ = run("inventory", "validate", str(DEMO), "--json")
    assert code == 0
    assert json.loads(out) == {
        "valid": True,
        "provinces": 1,
        "districts": 2,
        "communes": 4,
        "devices": 19,
    }


def test_invalid_inventory_exits_1_with_file_line_and_fix(demo_copy: Path) -> None:
    district = demo_copy / "districts" / "nghi-son.yml"
    district.write_text(
        district.read_text("utf-8").replace(
            "\n    - role: ce_router\n", "\n    - role: router\n", 1
        ),
        "utf-8",
    )
    code, out, err = run("inventory", "validate", str(demo_copy))
    assert code == 1
    assert out == ""
    assert f"{district}:11:13: hub.devices[1].role: " in err
    assert err.endswith("The inventory is not valid; nothing was changed.\n")
    code, out, _ = run("inventory", "validate", str(demo_copy), "--json")
    assert code == 1
    problem = json.loads(out)["problems"][0]
    assert (problem["file"].endswith("nghi-son.yml"), problem["line"], problem["column"]) == (
        True,
        11,
        13,
    )
    assert problem["path"] == "hub.devices[1].role"


def test_show_scope_commune_as_json() -> None:
    code, out, _ = run("inventory", "show", str(DEMO), "--scope", "dinh-hai", "--json")
    assert code == 0
    devices = json.loads(out)
    assert [d["hostname"] for d in devices] == [
        "dinh-hai-sw1",
        "dinh-hai-sw2",
        "dinh-hai-ce1",
        "dinh-hai-vc1",
    ]
    assert devices[3]["labels"] == {
        "province": "demo",
        "district": "nghi-son",
        "commune": "dinh-hai",
        "instance": "dinh-hai-vc1",
    }
    assert devices[0]["credentials"] == {
        "username": "env:COMMUNET_USERNAME",
        "password": "env:COMMUNET_PASSWORD",
        "enable": "env:COMMUNET_ENABLE",
    }


def test_show_table_lists_every_device() -> None:
    code, out, _ = run("inventory", "show", str(DEMO))
    assert code == 0
    for hostname in ("hub-thach-thanh-mon1", "phu-son-nghi-son-vc1", "thanh-son-ce1"):
        assert hostname in out
    assert "cisco_roomos (ce8)" in out


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("en", "No device matches scope 'ha-noi'; try a province, district, commune or host.\n"),
        (
            "vi",
            "Không có thiết bị nào thuộc phạm vi 'ha-noi'; hãy dùng tỉnh, huyện, xã "
            "hoặc tên máy.\n",
        ),
    ],
)
def test_show_unknown_scope(lang: str, message: str) -> None:
    assert run("--lang", lang, "inventory", "show", str(DEMO), "--scope", "ha-noi") == (
        1,
        "",
        message,
    )


def test_graph_shows_the_tree() -> None:
    code, out, _ = run("inventory", "graph", str(DEMO))
    assert code == 0
    assert "Thạch Thành (thach-thanh, huyen)" in out
    assert "Phú Sơn (phu-son-nghi-son, 16498) 10.64.114.0/24" in out
    assert "hub-thach-thanh-mon1" in out


def test_export_json_has_sites_vlans_and_links() -> None:
    code, out, _ = run("inventory", "export", str(DEMO), "--json", "--scope", "thanh-son-ce1")
    assert code == 0
    document = json.loads(out)
    assert document["schema"] == 1
    [site] = document["provinces"][0]["sites"]
    assert site["slug"] == "thanh-son"
    assert site["tslcd"] == {
        "circuit_id": "TSLCD-THA-15145",
        "bandwidth_mbps": 20,
        "vlan": None,
        "ce_address": "172.16.236.165/30",
        "pe_address": "172.16.236.166",
    }
    assert {v["name"]: v["subnet"] for v in site["vlans"]}["HNTH"] == "10.59.41.32/27"
    assert [d["platform"] for d in document["devices"]] == ["huawei_vrpv8"]


def test_export_requires_json_flag() -> None:
    code, _, err = run("inventory", "export", str(DEMO))
    assert code == 2
    assert "Missing option '--json'" in err


def test_console_script_is_installed() -> None:
    exe = Path(sys.executable).parent / "communet"
    result = subprocess.run(
        [str(exe), "inventory", "validate", "inventory/demo"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stdout) == (
        0,
        "OK: 1 province(s), 2 district(s)/hub(s), 4 commune(s), 19 device(s)\n",
    )
