"""``communet plan|apply`` as a user types them, against a lab, and their error paths."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from communet_cli.main import cli

from .conftest import DEMO, VAULT, Site


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env={"LANG": "C.UTF-8", **(env or {})})
    return result.exit_code, result.stdout, result.stderr


def login_env(site: Site) -> dict[str, str]:
    creds = site.lab.credentials
    return {
        "COMMUNET_USERNAME": creds.username,
        "COMMUNET_PASSWORD": creds.password,
        "COMMUNET_ENABLE": creds.enable,
    }


def vault_file(tmp_path: Path) -> str:
    path = tmp_path / "vault.yml"
    path.write_text("".join(f"{k}: {v}\n" for k, v in VAULT.items()), "utf-8")
    return str(path)


def test_apply_then_plan_as_json(site: Site, tmp_path: Path) -> None:
    lab, vault = str(site.state / "lab"), vault_file(tmp_path)
    common = ["--inventory", str(DEMO), "--lab", lab, "--vault-vars", vault, "--json"]
    code, out, err = invoke(
        "apply", "dinh-hai", *common, "--backup-dir", str(tmp_path / "b"), env=login_env(site)
    )
    assert code == 0, out + err
    results = json.loads(out)
    assert [(r["hostname"], r["changed"], r["failed"]) for r in results] == [
        ("dinh-hai-sw1", True, False),
        ("dinh-hai-sw2", True, False),
        ("dinh-hai-ce1", True, False),
        ("dinh-hai-vc1", True, False),
    ]
    code, out, _ = invoke("plan", "dinh-hai", *common, env=login_env(site))
    assert code == 0
    assert {r["changed"] for r in json.loads(out)} == {False}


def test_vietnamese_summary_and_exit_code_1_on_a_failed_host(site: Site, tmp_path: Path) -> None:
    site.lab.set_fault("thanh-son-sw1", auth_failure=True)
    args = ["--inventory", str(DEMO), "--lab", str(site.state / "lab")]
    code, out, err = invoke(
        "--lang",
        "vi",
        "plan",
        "thanh-son",
        *args,
        "--vault-vars",
        vault_file(tmp_path),
        env=login_env(site),
    )
    assert code == 1
    assert "LỖI" in out
    assert "đúng" not in out.split("\n")[-2]  # the totals line counts failures
    assert "1 lỗi" in out
    assert "[1/3]" in err  # progress on stderr, one line per host


def test_apply_needs_a_way_to_verify_host_keys() -> None:
    code, _, err = invoke("apply", "demo", "--inventory", str(DEMO))
    assert code == 2
    assert "give --known-hosts FILE (SSH host keys are always verified;" in err


def test_plan_without_a_running_lab_says_how_to_start_one(tmp_path: Path) -> None:
    code, _, err = invoke("plan", "demo", "--inventory", str(DEMO), "--lab", str(tmp_path))
    assert code == 1
    assert err == (
        f"Error: {tmp_path}/lab.json: no lab overlay; start the lab with "
        "'communet lab up INVENTORY'\n"
    )


def test_a_missing_secret_fails_each_host_naming_the_reference(site: Site) -> None:
    args = ["--inventory", str(DEMO), "--lab", str(site.state / "lab"), "--json"]
    code, out, _ = invoke("plan", "dinh-hai-sw1", *args)
    assert code == 1
    [result] = json.loads(out)
    assert result["error"] == (
        "dinh-hai-sw1: secret env:COMMUNET_USERNAME: is not set\n"
        "    fix: export COMMUNET_USERNAME=… before running (or pass it to Ansible's "
        "environment)"
    )
