"""``communet plan`` over real SSH against lab switches running real configs of the corpus.

The lab device takes the config whole (ports, users, logins); communet logs in with the
config's own credentials, reads its running config, lays the ports over the interfaces it
lists and plans. Each run ends with the host's result (planned, or refused in one line) and
never types a port the device does not have.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ..lab.corpus import real_configs
from ..lab.test_real_configs import ENABLE, LOGINS, cipher_secrets
from .conftest import DEMO, Site
from .test_apply_cli import invoke, vault_file

HOSTS = {"cisco_ios": "dinh-hai-sw1", "huawei_vrp": "thanh-son-sw1"}
CONFIGS = [c for c in real_configs() if c.name in LOGINS and c.platform in HOSTS]


def test_the_configs_cover_both_platforms() -> None:
    assert {c.platform for c in CONFIGS} == set(HOSTS)


@pytest.mark.parametrize("config", CONFIGS, ids=[c.name for c in CONFIGS])
def test_plan_a_real_switch_over_ssh(site: Site, tmp_path: Path, config: object) -> None:
    real = next(c for c in CONFIGS if c is config)
    host = HOSTS[real.platform]
    site.lab.load_config(host, real.text, cipher_secrets(real))
    username, password, _ = LOGINS[real.name]
    env = {
        "COMMUNET_USERNAME": username,
        "COMMUNET_PASSWORD": password,
        "COMMUNET_ENABLE": ENABLE,
    }
    args = ["--inventory", str(DEMO), "--lab", str(site.state / "lab")]
    code, out, err = invoke(
        "plan", host, *args, "--secrets", vault_file(tmp_path), "--json", env=env
    )
    assert "Traceback" not in out + err
    [result] = json.loads(out)
    assert result["hostname"] == host
    if result["failed"]:
        assert code == 1
        assert result["error"].startswith(f"{host}: "), result["error"]
        assert "\n" not in result["error"].split("\n    fix:")[0]  # one line (and its fix)
        return
    # an indented 'interface X' is a move to X (IOS), as the lab takes it: X exists
    have = set(re.findall(r"^ *interface (\S+)", real.text, re.M))
    typed = {line.split()[1] for line in result["commands"] if line.startswith("interface ")}
    physical = {n for n in typed if not n.startswith(("Vlan", "Vlanif"))}
    assert physical <= have, sorted(physical - have)


def test_the_plan_table_says_which_live_ports_it_leaves_and_why(site: Site, tmp_path: Path) -> None:
    real = next(c for c in CONFIGS if c.name == "warmoni--lab04-sw2")
    site.lab.load_config("dinh-hai-sw1", real.text, cipher_secrets(real))
    username, password, _ = LOGINS[real.name]
    env = {"COMMUNET_USERNAME": username, "COMMUNET_PASSWORD": password, "COMMUNET_ENABLE": ENABLE}
    args = ["--inventory", str(DEMO), "--lab", str(site.state / "lab")]
    code, out, _ = invoke("plan", "dinh-hai-sw1", *args, "--secrets", vault_file(tmp_path), env=env)
    assert code == 0
    assert (
        "! interface Ethernet0/0: trunk port 'To_SW5', up; left as it is (to manage it, "
        "declare it in the inventory: ports: uplink/chain/keep)\n"
    ) in out
