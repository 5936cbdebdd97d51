"""Real ``ansible-playbook`` runs of roles/ and playbooks/ against a lab on 127.x addresses.

One lab of the demo province per test module (state directory in tmp); credentials reach
the action plugin through the environment (COMMUNET_USERNAME/PASSWORD/ENABLE, as an operator
would export them), SNMP secrets as Ansible variables from a vars file (as a vault would).
Every run uses a ``tree`` callback too (callback_plugins/device_tree.py), so each host's
communet_config result is read back as JSON.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zlib
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from communet.lab import Lab, specs_from_inventory
from communet.session.netmiko_session import Timeouts, open_session

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DEMO = REPO / "inventory" / "demo"
# Distinctive values: no output of any run may contain them.
VAULT = {
    "vault_snmp_user": "nocaudit",
    "vault_snmp_auth_key": "AuthKey7731secret",
    "vault_snmp_priv_key": "PrivKey7731secret",
}
RECAP = re.compile(r"^(?P<host>\S+)\s+:\s+(?P<counts>(?:\w+=\d+\s*)+)$", re.MULTILINE)


def lab_network(module: str) -> str:
    """A 127.x.y.0/24 of its own per xdist worker, process and module."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    number = int(worker) if worker.isdigit() else 0
    second = 200 + (number * 7 + os.getpid() % 23) % 50
    third = zlib.crc32(module.encode()) % 250 + 1
    return f"127.{second}.{third}.0/24"


@dataclass
class Run:
    """One ansible-playbook run: output, PLAY RECAP per host, last result per host."""

    process: subprocess.CompletedProcess[str]
    recap: dict[str, dict[str, int]]
    results: dict[str, dict[str, Any]]
    cpu: float  # user + system seconds of ansible-playbook and its children
    wall: float

    @property
    def out(self) -> str:
        return self.process.stdout + self.process.stderr


@dataclass
class Ansible:
    """Runs playbooks against ``lab`` with a private ANSIBLE_HOME and backup directory."""

    lab: Lab
    home: Path
    vars_file: Path
    backups: Path

    def env(self) -> dict[str, str]:
        creds = self.lab.credentials
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "COMMUNET_"))}
        return {
            **env,
            "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
            "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
            "ANSIBLE_HOME": str(self.home),
            "ANSIBLE_LOCAL_TEMP": str(self.home / "tmp"),
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_FORCE_COLOR": "0",
            "ANSIBLE_CALLBACKS_ENABLED": "device_tree",
            "ANSIBLE_CALLBACK_PLUGINS": str(Path(__file__).parent / "callback_plugins"),
            "COMMUNET_LAB": str(self.lab.state_dir),
            "COMMUNET_BACKUP_DIR": str(self.backups),
            "COMMUNET_USERNAME": creds.username,
            "COMMUNET_PASSWORD": creds.password,
            "COMMUNET_ENABLE": creds.enable,
        }

    def play(
        self,
        playbook: str,
        *args: str,
        name: str = "",
        vault: bool = True,
        env: Mapping[str, str] | None = None,
    ) -> Run:
        tree = self.home / "tree" / (name or playbook.replace("/", "_"))
        env = self.env() | {"ANSIBLE_CALLBACK_TREE_DIR": str(tree)} | dict(env or {})
        before = os.times()
        process = subprocess.run(
            [
                str(BIN / "ansible-playbook"),
                f"playbooks/{playbook}",
                "-f",
                "20",
                *(("-e", f"@{self.vars_file}") if vault else ()),
                *args,
            ],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        after = os.times()
        cpu = (after.children_user - before.children_user) + (
            after.children_system - before.children_system
        )
        results = {}
        if tree.is_dir():
            for path in tree.iterdir():
                results[path.name] = json.loads(path.read_text("utf-8"))
        return Run(
            process, parse_recap(process.stdout), results, cpu, after.elapsed - before.elapsed
        )

    def running(self) -> dict[str, str]:
        """Every device's running config, fetched over SSH (not through communet_config)."""
        return dict(ThreadPoolExecutor(10).map(lambda h: (h, fetch(self.lab, h)), self.lab.devices))


def parse_recap(stdout: str) -> dict[str, dict[str, int]]:
    _, _, tail = stdout.rpartition("PLAY RECAP")
    recap = {}
    for match in RECAP.finditer(tail):
        counts = dict(item.split("=") for item in match["counts"].split())
        recap[match["host"]] = {k: int(v) for k, v in counts.items()}
    return recap


def fetch(lab: Lab, hostname: str) -> str:
    creds = lab.credentials
    session = open_session(
        hostname,
        lab.device(hostname).spec.platform,
        lab.addresses[hostname],
        lab.port,
        username=creds.username,
        password=creds.password,
        enable=creds.enable,
        known_hosts=lab.known_hosts(hostname),
        timeouts=Timeouts(connect=5.0, command=10.0),
    )
    try:
        return session.fetch_running()
    finally:
        session.close()


@pytest.fixture(scope="module")
def ansible(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Ansible]:
    base = tmp_path_factory.mktemp("ansible-roles")
    vars_file = base / "vault.yml"
    vars_file.write_text(yaml.safe_dump(VAULT), "utf-8")
    specs = specs_from_inventory(DEMO)
    network = lab_network(request.module.__name__)
    with Lab(specs, network=network, state_dir=base / "lab") as lab:
        yield Ansible(lab, base / "home", vars_file, base / "backups")
