"""``communet plan|apply`` as a user types them, against a lab, and their error paths."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
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
    path.write_text("".join(f"vault_{k}: {v}\n" for k, v in VAULT.items()), "utf-8")
    return str(path)


def test_apply_then_plan_as_json(site: Site, tmp_path: Path) -> None:
    lab, vault = str(site.state / "lab"), vault_file(tmp_path)
    common = ["--inventory", str(DEMO), "--lab", lab, "--secrets", vault, "--json"]
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
        "--secrets",
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


def test_plan_without_an_inventory_says_the_three_ways_to_give_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no communet.toml here or above (tmp), no demo default
    monkeypatch.delenv("COMMUNET_INVENTORY", raising=False)
    code, _, err = invoke("plan", "demo", "--lab", str(tmp_path))
    assert code == 2
    assert (
        "Error: no inventory given: pass --inventory DIR, set COMMUNET_INVENTORY=DIR, or write "
        f'inventory = "DIR" in a communet.toml of the project (looked in {tmp_path.resolve()} '
        "and its parents)"
    ) in " ".join(err.split())


def test_the_inventory_comes_from_the_environment_or_the_project_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    (project / "sub").mkdir(parents=True)
    (project / "communet.toml").write_text(f'inventory = "{DEMO}"\n', "utf-8")
    monkeypatch.chdir(project / "sub")
    monkeypatch.delenv("COMMUNET_INVENTORY", raising=False)
    # found: the run gets as far as the (missing) lab overlay
    code, _, err = invoke("plan", "demo", "--lab", str(tmp_path))
    assert code == 1
    assert "no lab overlay" in err
    monkeypatch.chdir(tmp_path)
    code, _, err = invoke(
        "plan", "demo", "--lab", str(tmp_path), env={"COMMUNET_INVENTORY": str(DEMO)}
    )
    assert "no lab overlay" in err
    (project / "communet.toml").write_text('inventori = "x"\n', "utf-8")
    monkeypatch.chdir(project)
    code, _, err = invoke("plan", "demo", "--lab", str(tmp_path))
    assert code == 2
    assert 'communet.toml: needs inventory = "DIR" (the inventory directory)' in err


def test_trial_minutes_out_of_bounds_names_the_option() -> None:
    code, _, err = invoke("apply", "demo", "--inventory", str(DEMO), "--trial-minutes", "0")
    assert code == 2
    assert "Invalid value for '--trial-minutes': 0 is not in the range 1<=x<=60." in err


def test_a_secrets_file_in_another_format_is_refused_naming_the_key(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.yml"
    secrets.write_text("snmp_user: noc\n", "utf-8")
    code, _, err = invoke(
        "plan", "demo", "--inventory", str(DEMO), "--lab", str(tmp_path), "--secrets", str(secrets)
    )
    assert code == 2
    assert (
        f"{secrets}: key 'snmp_user': a secrets file holds 'vault_NAME: value' lines (the "
        "inventory's vault:NAME; the same file works as ansible-playbook -e @FILE): write "
        "vault_snmp_user"
    ) in " ".join(err.split())


def test_a_missing_vault_secret_names_the_cli_option(site: Site, tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.yml"
    secrets.write_text("vault_snmp_user: noc\n", "utf-8")
    args = ["--inventory", str(DEMO), "--lab", str(site.state / "lab"), "--json"]
    code, out, _ = invoke(
        "plan", "dinh-hai-sw1", *args, "--secrets", str(secrets), env=login_env(site)
    )
    assert code == 1
    [result] = json.loads(out)
    assert result["error"].startswith("dinh-hai-sw1: secret vault:snmp_auth_key: is not set\n")
    assert result["error"].endswith(
        "fix: add the line 'vault_snmp_auth_key: VALUE' to the secrets file given with "
        "--secrets FILE"
    )


def test_a_secrets_file_that_is_not_yaml_or_missing_is_one_line(tmp_path: Path) -> None:
    broken = tmp_path / "secrets.yml"
    broken.write_text("vault_a: [unclosed\n", "utf-8")
    args = ["--inventory", str(DEMO), "--lab", str(tmp_path)]
    code, _, err = invoke("plan", "demo", *args, "--secrets", str(broken))
    assert code == 2
    assert f"Error: --secrets {broken}: not YAML (line 2): " in err
    assert "Traceback" not in err
    missing = tmp_path / "nowhere.yml"
    code, _, err = invoke("plan", "demo", *args, "--secrets", str(missing))
    assert code == 2
    assert "Traceback" not in err
    assert str(missing) in err
