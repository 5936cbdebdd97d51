"""communet.network as a user gets it: built with ansible-galaxy, installed from the tarball,
run from a project directory outside the repository (no repository ansible.cfg, no link to
the working tree), against a lab. One host's backup folder is a file: that host fails with
that reason; the others converge and are reported."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from communet.inventory import load_inventory

from .conftest import BIN, DEMO, REPO, VAULT, Ansible, fetch, parse_recap

pytestmark = pytest.mark.slow

DINH_HAI = sorted(d.hostname for d in load_inventory(DEMO).devices if d.site.slug == "dinh-hai")
BLOCKED = "dinh-hai-sw2"


def tool(argv: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_the_built_collection_runs_a_playbook_outside_the_repository(
    ansible: Ansible, tmp_path: Path
) -> None:
    lab = ansible.lab
    base = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "COMMUNET_"))}
    base |= {"ANSIBLE_HOME": str(tmp_path / "home"), "ANSIBLE_NOCOLOR": "1"}
    base["PATH"] = f"{BIN}{os.pathsep}{base.get('PATH', '')}"
    build = tool([str(BIN / "ansible-galaxy"), "collection", "build", str(REPO)], tmp_path, base)
    assert build.returncode == 0, build.stderr
    [tarball] = tmp_path.glob("communet-network-*.tar.gz")
    collections = tmp_path / "collections"
    install = tool(
        [
            str(BIN / "ansible-galaxy"),
            "collection",
            "install",
            "-p",
            str(collections),
            str(tarball),
        ],
        tmp_path,
        base,
    )
    assert install.returncode == 0, install.stderr
    installed = collections / "ansible_collections" / "communet" / "network"
    assert (installed / "plugins" / "action" / "config.py").is_file()
    assert not (installed / "communet").exists()  # the Python package is not in it
    assert not (installed / "tests" / "ansible_roles").exists()  # nor the pytest suite

    project = tmp_path / "project"
    shutil.copytree(DEMO, project / "inventory" / "demo")
    (project / "demo.communet.yml").write_text(
        "plugin: communet.network.communet\npath: inventory/demo\n", "utf-8"
    )
    (project / "secrets.yml").write_text(yaml.safe_dump(VAULT), "utf-8")
    (project / "ansible.cfg").write_text(
        f"[defaults]\ncollections_path = {collections}\nhost_key_checking = True\n"
        "[inventory]\nenable_plugins = communet.network.communet\n",
        "utf-8",
    )
    backups = tmp_path / "backups"
    blocker = backups / "demo" / BLOCKED
    blocker.parent.mkdir(parents=True)
    blocker.write_text("a file where the backup folder should be\n", "utf-8")
    creds = lab.credentials
    env = base | {
        "ANSIBLE_CONFIG": str(project / "ansible.cfg"),
        "ANSIBLE_CALLBACKS_ENABLED": "device_tree",
        "ANSIBLE_CALLBACK_PLUGINS": str(Path(__file__).parent / "callback_plugins"),
        "ANSIBLE_CALLBACK_TREE_DIR": str(tmp_path / "tree"),
        "COMMUNET_LAB": str(lab.state_dir),
        "COMMUNET_BACKUP_DIR": str(backups),
        "COMMUNET_USERNAME": creds.username,
        "COMMUNET_PASSWORD": creds.password,
        "COMMUNET_ENABLE": creds.enable,
    }
    listed = tool(
        [str(BIN / "ansible-galaxy"), "collection", "list", "communet.network"], project, env
    )
    assert str(collections) in listed.stdout, listed.stdout + listed.stderr
    assert str(REPO) not in listed.stdout

    before = fetch(lab, BLOCKED)
    play = tool(
        [
            str(BIN / "ansible-playbook"),
            "communet.network.site",
            "-i",
            "demo.communet.yml",
            "--limit",
            "commune_dinh_hai",
            "-e",
            "@secrets.yml",
        ],
        project,
        env,
    )
    out = play.stdout + play.stderr
    assert play.returncode == 2, out[-3000:]  # one host failed
    recap = parse_recap(play.stdout)
    assert sorted(recap) == DINH_HAI
    results = {p.name: json.loads(p.read_text("utf-8")) for p in (tmp_path / "tree").iterdir()}
    blocked = results[BLOCKED]
    assert recap[BLOCKED]["failed"] == 1
    assert blocked["msg"].startswith(f"{BLOCKED}: unexpected FileExistsError: "), blocked["msg"]
    assert str(blocker) in blocked["msg"]
    assert blocked["commands"] == []  # nothing planned, nothing pushed
    assert fetch(lab, BLOCKED) == before
    for host in DINH_HAI:
        if host != BLOCKED:
            assert (recap[host]["changed"], recap[host]["failed"]) == (1, 0), (host, out[-3000:])
            assert Path(results[host]["backup"]).is_relative_to(backups)
    assert "DEPRECATION" not in out
    assert "[WARNING]" not in out
