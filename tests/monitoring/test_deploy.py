"""The monitoring roles, run by real ansible-playbook: check mode, then into a scratch root.

The exporter host of the demo inventory (hub-thach-thanh-mon1) is reached over a local
connection; every path goes under a temporary root, the package install and systemd are off.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from communet.inventory import load_inventory
from communet.monitoring.generate import generate
from communet.secrets import read_secrets_file

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SECRET = "PrivKey-deploy-7731"

pytestmark = pytest.mark.slow


def playbook(tmp: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    vault = tmp / "secrets.yml"  # the project's one secrets file, as for every playbook
    vault.write_text(
        f"vault_snmp_user: noc\nvault_snmp_auth_key: AuthKey-deploy\n"
        f"vault_snmp_priv_key: {SECRET}\n",
        encoding="utf-8",
    )
    generated = tmp / "generated"
    for relative, content in generate(load_inventory(REPO / "inventory" / "demo")).files.items():
        (generated / relative).parent.mkdir(parents=True, exist_ok=True)
        (generated / relative).write_text(content, encoding="utf-8")
    argv = [
        str(BIN / "ansible-playbook"), "-i", str(REPO / "inventory" / "demo.communet.yml"),
        str(REPO / "playbooks" / "monitoring.yml"), "--limit", "hub-thach-thanh-mon1,localhost",
        "-e", "ansible_connection=local", "-e", f"ansible_python_interpreter={sys.executable}",
        "-e", f"communet_exporter_root={tmp / 'root'}", "-e", "communet_exporter_install=false",
        "-e", "communet_exporter_manage_service=false", "-e", f"@{vault}",
        "-e", "communet_noc_host=hub-thach-thanh-mon1", "-e", f"communet_noc_root={tmp / 'root'}",
        "-e", "communet_noc_install=false", "-e", "communet_noc_manage_service=false",
        "-e", f"communet_noc_generated={generated / 'demo'}", *extra,
    ]  # fmt: skip
    env = {**os.environ, "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1"}
    return subprocess.run(
        argv, capture_output=True, text=True, env=env, cwd=REPO, timeout=300, check=False
    )


def test_check_mode_changes_nothing(tmp_path: Path) -> None:
    result = playbook(tmp_path, "--check", "--diff")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "hub-thach-thanh-mon1" in result.stdout
    assert not (tmp_path / "root" / "etc").exists()
    assert SECRET not in result.stdout + result.stderr


def test_scratch_root_gets_unit_inventory_secrets_and_province_config(tmp_path: Path) -> None:
    result = playbook(tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert SECRET not in result.stdout + result.stderr
    root = tmp_path / "root"
    unit = (root / "etc/systemd/system/communet-exporter@.service").read_text(encoding="utf-8")
    assert "--inventory /etc/communet/inventory --hub %i" in unit
    assert "--secrets ${CREDENTIALS_DIRECTORY}/secrets" in unit
    assert "LoadCredential=secrets:/etc/communet/exporter-secrets.yml" in unit
    assert "AmbientCapabilities=CAP_NET_RAW" in unit
    assert SECRET not in unit
    secrets = root / "etc/communet/exporter-secrets.yml"
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
    # the file the exporter's --secrets reads, in the one format (checked by its own reader)
    assert read_secrets_file(secrets) == {
        "snmp_user": "noc",
        "snmp_auth_key": "AuthKey-deploy",
        "snmp_priv_key": SECRET,
    }
    assert (root / "etc/communet/inventory/province.yml").is_file()
    assert (root / "etc/prometheus/rules/communet.yml").is_file()  # passed promtool's check
    assert (root / "etc/prometheus/alertmanager.yml").is_file()  # passed amtool's check


def test_a_secret_key_without_the_vault_prefix_is_refused_by_name(tmp_path: Path) -> None:
    result = playbook(tmp_path, "-e", '{"communet_exporter_secrets": {"snmp_user": "noc"}}')
    assert result.returncode != 0
    assert "communet_exporter_secrets: every key is vault_NAME" in result.stdout
    assert "['snmp_user']" in result.stdout
    assert not (tmp_path / "root" / "etc/communet/exporter-secrets.yml").exists()
