"""ansible-lint (production profile, offline, config in .ansible-lint) on roles/ and playbooks/."""

from __future__ import annotations

import os
import subprocess

import pytest

from .conftest import BIN, REPO

pytestmark = pytest.mark.slow


def test_ansible_lint_production_profile_is_clean(tmp_path_factory: pytest.TempPathFactory) -> None:
    home = tmp_path_factory.mktemp("lint-home")
    # The syntax checks (one ansible-playbook per playbook and role) need no hosts: an empty
    # inventory spares each of them loading communet and the demo province.
    empty = home / "empty.yml"
    empty.write_text("all: {}\n", "utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env |= {
        "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
        "ANSIBLE_HOME": str(home),
        "ANSIBLE_LINT_OFFLINE": "1",
        "ANSIBLE_INVENTORY": str(empty),
        "ANSIBLE_INVENTORY_ENABLED": "yaml",
        "NO_COLOR": "1",
    }
    process = subprocess.run(
        [
            str(BIN / "ansible-lint"),
            "--offline",
            "--nocolor",
            "--profile",
            "production",
            "roles",
            "playbooks",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    out = process.stdout + process.stderr
    assert process.returncode == 0, out[-4000:]
    assert "Profile 'production' was required, and it passed." in out
