"""``playbooks/adopt.yml`` end to end: real ansible-playbook, the communet inventory plugin,
the ``communet.network.config`` action in ``mode: adopt``, real SSH to the lab switch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from communet.session import UnreachableError

from .brownfield import Brownfield
from .conftest import HOST, NEW, VAULT, secrets_file
from .test_adopt_cli import common, invoke

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CALLBACKS = REPO / "tests" / "ansible_roles" / "callback_plugins"


def play(bf: Brownfield, tmp: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], Any]:
    return adopt_playbook(bf.inventory, bf.state, bf.secrets, HOST, tmp, *args)


def adopt_playbook(
    inventory: Path, state: Path, secrets: Path, host: str, tmp: Path, *args: str
) -> tuple[subprocess.CompletedProcess[str], Any]:
    """``ansible-playbook playbooks/adopt.yml`` on ``host`` of a brownfield lab; the device's
    result as the collection's callback wrote it (None if it wrote none)."""
    source = tmp / "brownfield.communet.yml"
    source.write_text(f"plugin: communet.network.communet\npath: {inventory}\n", "utf-8")
    tree = tmp / "tree"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "COMMUNET_"))}
    env |= {
        "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
        "ANSIBLE_HOME": str(tmp / "home"),
        "ANSIBLE_LOCAL_TEMP": str(tmp / "home" / "tmp"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_CALLBACKS_ENABLED": "device_tree",
        "ANSIBLE_CALLBACK_PLUGINS": str(CALLBACKS),
        "ANSIBLE_CALLBACK_TREE_DIR": str(tree),
        "COMMUNET_LAB": str(state),
        "COMMUNET_BACKUP_DIR": str(tmp / "backups"),
    }
    command = [str(BIN / "ansible-playbook"), "playbooks/adopt.yml", "-i", str(source)]
    command += ["-e", f"@{secrets}", "--limit", host, "-e", "baseline_connect_timeout=3"]
    process = subprocess.run(
        [*command, *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    path = tree / host
    return process, json.loads(path.read_text("utf-8")) if path.is_file() else None


def test_adopt_end_to_end_via_ansible(bf: Brownfield, tmp_path: Path) -> None:
    process, result = play(bf, tmp_path, "--check")
    out = process.stdout + process.stderr
    assert process.returncode == 0, out
    assert result["changed"] is True
    assert result["stages"]["move"][-1] == "no username ********"  # vault values masked
    assert bf.running(today=True)  # check mode: still reached as today

    process, result = play(bf, tmp_path)
    out = process.stdout + process.stderr
    assert process.returncode == 0, out
    assert result["msg"].startswith("adopted: ")
    assert result["msg"].endswith(
        "lines sent and verified; the device answers on 10.64.120.2 with the intended credentials"
    )
    for name, value in VAULT.items():
        if name.endswith(("pass", "enable", "key")) and value != "cisco":
            assert value not in out, name
    assert list((tmp_path / "backups").rglob("*.cfg"))
    # a second plan is empty; the new login works on the new address, the old path is gone
    code, planned, err = invoke("plan", HOST, *common(bf, "--json"))
    assert code == 0, planned + err
    assert json.loads(planned)[0]["commands"] == []
    assert f"username {NEW['new_user']} privilege 15" in bf.running()
    with pytest.raises(UnreachableError):
        bf.session(today=True)
    # and the playbook run again has nothing to do, and says why the old path is not used
    process, result = play(bf, tmp_path)
    assert process.returncode == 0, process.stdout + process.stderr
    assert result["changed"] is False
    assert result["msg"] == (
        f"{HOST}: adopted before: today's path no longer answers, the intended one does "
        "(converged there as by 'communet apply'); 'reach' can be removed from the inventory; "
        "in the intended state"
    )


def test_a_missing_secret_fails_the_task_in_one_line(bf: Brownfield, tmp_path: Path) -> None:
    secrets_file(bf.secrets, old_pass=None)
    process, result = play(bf, tmp_path)
    assert process.returncode == 2, process.stdout
    assert "failed=1" in process.stdout
    assert result["msg"] == (
        f"{HOST}: adoption stage 0 (prepare): secret vault:old_pass: is not set\n"
        "    fix: set the variable vault_old_pass (a line 'vault_old_pass: VALUE' in the "
        "secrets file passed as -e @FILE, or in an ansible-vault encrypted group_vars file); "
        "the roles pass it in baseline_secrets as old_pass"
    )
