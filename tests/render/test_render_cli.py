"""``communet render``: offline, placeholders by default, one file per host with --out."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from communet_cli.render_cmd import render

from ..conftest import DEMO
from .conftest import FAKE_ENV, FAKE_VAULT, GOLDEN


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(render, [*args, "--inventory", str(DEMO)], env=env)
    return result.exit_code, result.stdout, result.stderr


def test_prints_configs_with_placeholders() -> None:
    code, out, _ = invoke("dinh-hai-sw1")
    assert code == 0
    assert out.startswith("! ===== dinh-hai-sw1 (cisco_ios, access_switch)\n")
    assert out.split("\n", 1)[1] == (GOLDEN / "dinh-hai-sw1.cfg").read_text("utf-8")
    assert "<secret:env:COMMUNET_PASSWORD>" in out


def test_writes_one_file_per_host(tmp_path: Path) -> None:
    code, out, _ = invoke("thanh-son", "--out", str(tmp_path))
    assert code == 0
    assert out == "wrote 3 config(s) to " + str(tmp_path) + "\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "thanh-son-ce1.cfg",
        "thanh-son-sw1.cfg",
        "thanh-son-vc1.cfg",
    ]


def test_json_output() -> None:
    code, out, _ = invoke("phu-son-nghi-son", "--json")
    assert code == 0
    records = json.loads(out)
    assert [r["hostname"] for r in records] == [
        "phu-son-nghi-son-sw1",
        "phu-son-nghi-son-ce1",
        "phu-son-nghi-son-vc1",
    ]
    assert records[2]["templates"] == ["cisco_roomos/baseline.j2", "cisco_roomos/video_endpoint.j2"]


def test_with_secrets_resolves_env_and_vault(tmp_path: Path) -> None:
    vault = tmp_path / "vault.yml"
    vault.write_text("\n".join(f"vault_{k}: {v}" for k, v in FAKE_VAULT.items()), "utf-8")
    code, out, _ = invoke("dinh-hai-ce1", "--with-secrets", "--secrets", str(vault), env=FAKE_ENV)
    assert code == 0
    assert "secret Pw-Secret-123" in out


def test_missing_secret_fails_naming_host_and_reference() -> None:
    code, _, err = invoke("dinh-hai-ce1", "--with-secrets", env={"COMMUNET_USERNAME": ""})
    assert code == 1
    assert "dinh-hai-ce1" in err
    assert "env:COMMUNET_USERNAME" in err


def test_unknown_scope_fails() -> None:
    code, _, err = invoke("nowhere")
    assert code == 1
    assert "no device matches 'nowhere'" in err
