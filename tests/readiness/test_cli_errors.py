"""Failures of the run itself: one clear line on stderr and exit code 3, nothing measured."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from communet.lab.icmp import namespaces_available
from communet_cli.main import cli

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "inventory" / "demo"
PROVINCE = REPO / "inventory" / "thanh-hoa"
COMMUNET = Path(sys.executable).with_name("communet")


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def lab_state(tmp_path: Path) -> Path:
    """An overlay naming the demo's devices on 127.x (nothing needs to answer)."""
    from communet.inventory import load_inventory  # noqa: PLC0415

    devices = {
        d.hostname: {"address": f"127.77.0.{i + 1}", "known_hosts": str(tmp_path / "kh")}
        for i, d in enumerate(load_inventory(DEMO).devices)
    }
    (tmp_path / "lab.json").write_text(json.dumps({"port": 9, "devices": devices}), "utf-8")
    return tmp_path


def test_unaccented_commune_gets_a_did_you_mean(tmp_path: Path) -> None:
    code, output = run("check", "vinh loc", "--inventory", str(PROVINCE), "--lab", str(tmp_path))
    assert code == 3
    assert output.strip().splitlines() == [
        "commune 'vinh loc' is not in the inventory; did you mean: Vĩnh Lộc (vinh-loc, Vĩnh Lộc)?"
    ]


def test_shared_name_lists_the_candidates_in_vietnamese(tmp_path: Path) -> None:
    code, output = run(
        "--lang", "vi", "readiness", "Phú Sơn", "--inventory", str(DEMO), "--lab", str(tmp_path)
    )
    assert code == 3
    assert output.strip() == (
        "có nhiều xã/phường tên 'Phú Sơn': Phú Sơn (phu-son-nghi-son, Nghi Sơn); "
        "Phú Sơn (phu-son-thach-thanh, Thạch Thành); hãy ghi rõ một mã (slug)"
    )


def test_lang_from_the_environment(tmp_path: Path) -> None:
    result = CliRunner(env={"LC_ALL": "", "LC_MESSAGES": "", "LANG": "vi_VN.UTF-8"}).invoke(
        cli, ["check", "vinh loc", "--inventory", str(PROVINCE), "--lab", str(tmp_path)]
    )
    assert result.exit_code == 3
    assert result.output.strip() == (
        "không có xã/phường 'vinh loc' trong dữ liệu kiểm kê; "
        "có phải: Vĩnh Lộc (vinh-loc, Vĩnh Lộc)?"
    )


def test_unknown_scope(tmp_path: Path) -> None:
    code, output = run("readiness", "ha-noi", "--inventory", str(DEMO), "--lab", str(tmp_path))
    assert (code, output.strip()) == (
        3,
        "commune, district or province 'ha-noi' is not in the inventory",
    )


def test_invalid_inventory_names_file_and_line(tmp_path: Path) -> None:
    broken = tmp_path / "inv"
    shutil.copytree(DEMO, broken)
    path = broken / "districts" / "nghi-son.yml"
    path.write_text(
        path.read_text("utf-8").replace("bandwidth_mbps: 20}", "bandwidth_mbps: -1}", 1), "utf-8"
    )
    code, output = run("check", "dinh-hai", "--inventory", str(broken), "--lab", str(tmp_path))
    assert code == 3
    first = output.strip().splitlines()[0]
    assert first.startswith("the inventory is not valid (nothing was checked): ")
    assert first.endswith(
        "nghi-son.yml:17:58: communes[0].tslcd.bandwidth_mbps: -1 is too small; "
        "it must be more than 0"
    )


def test_missing_lab_overlay(tmp_path: Path) -> None:
    code, output = run("check", "dinh-hai", "--inventory", str(DEMO), "--lab", str(tmp_path / "x"))
    assert code == 3
    assert output.strip().startswith("lab: ")
    assert "start the lab with 'communet lab up INVENTORY'" in output


@pytest.mark.skipif(not namespaces_available(), reason="unshare -r is not permitted here")
def test_no_icmp_privilege_is_one_line_with_the_fix(tmp_path: Path) -> None:
    # A user namespace without its own network namespace: no raw sockets on the host's
    # network, and ping_group_range does not cover us: exactly a technician without sudo.
    allowed = Path("/proc/sys/net/ipv4/ping_group_range").read_text().split()
    if int(allowed[0]) <= 0 <= int(allowed[1]):
        pytest.skip("ping_group_range lets everybody ping here")
    state = lab_state(tmp_path)
    done = subprocess.run(
        [
            "unshare",
            "-r",
            str(COMMUNET),
            "check",
            "dinh-hai",
            "--inventory",
            str(DEMO),
            "--lab",
            str(state),
            "--log-dir",
            str(tmp_path / "logs"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 3
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert lines[0].startswith(
        "cannot send ping (ICMP) from this computer: cannot open an ICMP socket (raw: "
    )
    assert lines[1] == (
        "  run as root (sudo), or allow ping for your group: "
        "sudo sysctl -w net.ipv4.ping_group_range='0 2147483647'"
    )
    assert len(lines) == 2


def test_help_says_what_icmp_needs() -> None:
    for command in ("check", "readiness"):
        code, output = run(command, "--help")
        assert code == 0
        flat = " ".join(output.split())
        assert "ICMP needs one of: net.ipv4.ping_group_range" in flat
        assert "CAP_NET_RAW" in flat
        assert "communet lab exec --" in flat
