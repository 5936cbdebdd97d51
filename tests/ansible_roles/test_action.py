"""The action plugin and the generated module file: one argument spec, documented."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from .conftest import BIN, REPO


def load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def action() -> ModuleType:
    return load(REPO / "plugins" / "action" / "config.py", "communet_config_action")


@pytest.fixture(scope="module")
def stub() -> ModuleType:
    return load(REPO / "plugins" / "modules" / "config.py", "communet_config_module")


def test_action_and_module_file_share_one_documented_spec(
    action: ModuleType, stub: ModuleType
) -> None:
    assert action.ARGUMENT_SPEC == stub.ARGUMENT_SPEC
    documented = yaml.safe_load(stub.DOCUMENTATION)["options"]
    assert set(documented) == set(stub.ARGUMENT_SPEC)
    for name, spec in stub.ARGUMENT_SPEC.items():
        assert documented[name]["type"] == spec["type"], name
        assert documented[name].get("default") == spec.get("default"), name
    assert stub.ARGUMENT_SPEC["secrets"]["no_log"] is True


def test_inventory_root_follows_the_communet_config_file() -> None:
    from communet import ansible_task  # noqa: PLC0415

    config = REPO / "inventory" / "demo.communet.yml"
    assert ansible_task.inventory_root(config) == REPO / "inventory" / "demo"
    loaded, _ = ansible_task.load(config)
    again, cached_again = ansible_task.load(config)
    assert again is loaded
    assert cached_again is True
    assert "dinh-hai-sw1" in loaded.devices


def test_outputs_are_masked_against_every_known_secret() -> None:
    from communet.ansible_task import masked  # noqa: PLC0415
    from communet.secrets import Secret  # noqa: PLC0415

    out = masked(
        {"msg": "key AuthKey7731 in", "diff": {"prepared": "x AuthKey7731"}, "n": [1, "abc"]},
        [Secret("vault:k", "AuthKey7731"), Secret("vault:short", "abc")],
    )
    assert out == {"msg": "key ******** in", "diff": {"prepared": "x ********"}, "n": [1, "abc"]}


@pytest.mark.slow
def test_ansible_doc_documents_the_action(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env |= {
        "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
        "ANSIBLE_HOME": str(tmp_path),
        "ANSIBLE_NOCOLOR": "1",
    }
    process = subprocess.run(
        [str(BIN / "ansible-doc"), "communet.network.config"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert process.returncode == 0, process.stderr
    assert "MODULE communet.network.config" in process.stdout
    assert "This module has a corresponding action plugin." in process.stdout
    assert "trial_minutes" in process.stdout
    # the old name is redirected to the new one (meta/runtime.yml plugin_routing)
    old = subprocess.run(
        [str(BIN / "ansible-doc"), "communet.network.communet_config"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert old.returncode == 0, old.stderr
    assert "MODULE communet.network.config" in old.stdout
