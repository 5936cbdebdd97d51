"""Link state over real SSH: ``communet plan/apply`` ask the device which ports have a link
(``show ip interface brief`` / ``display interface brief``, answered by the lab from its
state) and never shut one of those, whatever the layout says; the lab's per-interface
history shows it never went down."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import DEMO, Site
from .test_apply_cli import invoke, login_env, vault_file


def _plan(site: Site, tmp_path: Path, host: str, verb: str = "plan") -> dict[str, object]:
    args = ["--inventory", str(DEMO), "--lab", str(site.state / "lab"), "--json"]
    args += ["--secrets", vault_file(tmp_path)]
    if verb == "apply":
        args += ["--backup-dir", str(tmp_path / "backups")]
    code, out, err = invoke(verb, host, *args, env=login_env(site))
    assert "Traceback" not in out + err
    [result] = json.loads(out)
    assert code == 0, result
    return dict(result)


def _shut(commands: list[str]) -> list[str]:
    """The interfaces a plan shuts."""
    shut, current = [], ""
    for line in commands:
        if line.startswith("interface "):
            current = line.split()[1]
        elif line == " shutdown" and current:
            shut.append(current)
    return shut


@pytest.mark.parametrize("host", ["dinh-hai-sw1", "thanh-son-sw1"])
def test_a_spare_port_with_a_link_is_left_up(site: Site, tmp_path: Path, host: str) -> None:
    planned = _plan(site, tmp_path, host)
    shut = _shut(list(planned["commands"]))  # type: ignore[call-overload]
    assert shut, "the layout shuts spare ports of a blank lab switch"
    port = shut[0]
    device = site.lab.device(host)
    cabled = set(device.cabled or ())  # type: ignore[attr-defined]
    site.lab.set_links(host, cabled | {port})
    again = _plan(site, tmp_path, host)
    assert port not in _shut(list(again["commands"]))  # type: ignore[call-overload]
    note = next(u for u in again["unmanaged"] if u.startswith(f"interface {port}:"))  # type: ignore[attr-defined]
    assert ", up; left as it is (to manage it, declare it in the inventory" in note
    applied = _plan(site, tmp_path, host, "apply")
    assert applied["changed"]
    assert not site.lab.call(lambda: device.history.ever_down(port))
    assert _plan(site, tmp_path, host)["commands"] == []  # converged with the port left up
