"""A monitored-only device ('managed: false') is never connected to, and the run says why."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from communet.apply import MONITORED_ONLY, Options, apply_all
from communet.inventory import ResolvedDevice, load_inventory
from communet.secrets import EnvVaultResolver
from communet.session import DeviceSession
from communet_cli.main import cli

from .conftest import DEMO, VAULT


def _inventory(tmp_path: Path) -> Path:
    """The demo inventory with dinh-hai's CE router left to the telecom."""
    copy = tmp_path / "demo"
    shutil.copytree(DEMO, copy)
    district = copy / "districts" / "nghi-son.yml"
    text = district.read_text("utf-8")
    marker = "      ce_address: 100.64.10.1/30\n"
    assert marker in text
    head, tail = text.split(marker)
    tail = tail.replace(
        "      - role: ce_router\n", "      - role: ce_router\n        managed: false\n", 1
    )
    district.write_text(head + marker + tail, "utf-8")
    return copy


def test_a_monitored_device_is_never_connected_to(tmp_path: Path) -> None:
    loaded = load_inventory(_inventory(tmp_path))
    ce = next(d for d in loaded.devices if d.hostname == "dinh-hai-ce1")
    assert not ce.managed
    touched: list[str] = []

    def connect(device: ResolvedDevice) -> DeviceSession:
        touched.append(device.hostname)
        raise AssertionError("a monitored device must not be reached")

    secrets = EnvVaultResolver(vault=VAULT, environ={})
    [result] = apply_all(loaded, [ce], secrets, connect, Options())
    assert touched == []
    assert (result.status, result.failed, result.changed) == ("skipped", False, False)
    assert result.skipped == (
        "monitored only ('managed: false' in the inventory): its configuration is never pushed to"
    )
    assert result.skipped == MONITORED_ONLY


def test_plan_says_why_in_one_line(tmp_path: Path) -> None:
    inventory = _inventory(tmp_path)
    lab = tmp_path / "lab"
    lab.mkdir()
    (lab / "lab.json").write_text(json.dumps({"port": 1, "devices": {}}), "utf-8")
    args = ["plan", "dinh-hai-ce1", "--inventory", str(inventory), "--lab", str(lab)]
    result = CliRunner().invoke(cli, args, env={"LANG": "C.UTF-8"})
    assert result.exit_code == 0
    assert "monitored only ('managed: false' in the inventory): its configuration is never" in (
        result.stdout
    )
    assert "0 ok, 0 changed, 1 monitored only, 0 failed" in result.stdout
    vi = CliRunner().invoke(cli, ["--lang", "vi", *args], env={"LANG": "C.UTF-8"})
    assert "chỉ giám sát ('managed: false' trong inventory): không bao giờ đẩy cấu hình" in (
        vi.stdout
    )
