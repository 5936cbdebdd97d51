"""Adoption of the real Huawei configs of the corpus (tests/fixtures/real) that take an SSH
login and manage the switch on a VLAN interface: the config is loaded into the lab switch of
its platform (VRP5: the commune S5720; VRPv8: the hub S5735), reached at that interface's
address with the config's own login, and adopted onto the inventory's management address and
credentials. Each either ends adopted (a second plan empty, today's address and login gone)
or fails in one line naming its stage with the device at its pre-change config."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from communet.connect import lab_overlay, netmiko_connector
from communet.inventory import load_inventory
from communet.lab import Lab, specs_from_inventory
from communet.plan import plan_config
from communet.secrets import EnvVaultResolver
from communet.session import AuthenticationError, UnreachableError

from ..lab.corpus import RealConfig, real_configs
from ..lab.test_real_configs import LOGINS, cipher_secrets
from .brownfield import Adoptee
from .vrp_brownfield import CASES, NEW, SNMP, vrp_inventory

SVI = re.compile(r"^interface Vlanif(\d+)\n(?: .*\n)*? ip address (\S+) ", re.MULTILINE)
CONFIGS = [
    c
    for platform in ("huawei_vrp", "huawei_vrpv8")
    for c in real_configs(platform)
    if c.name in LOGINS and SVI.search(c.text) is not None
]
_networks = itertools.count()


def test_the_corpus_gives_huawei_configs_to_adopt() -> None:
    assert {c.platform for c in CONFIGS} == {"huawei_vrp", "huawei_vrpv8"}


def test_a_sourced_config_is_among_them() -> None:
    """Adoption is pinned on a sourced config, not only on the unsourced ``index-*`` extras
    (tests/fixtures/real/README.md): ohihc5's real S5732 (V600), SSH to Vlanif2 as pccw2023.
    No sourced VRP5 config takes an SSH login on a Vlanif (tests/lab/test_real_configs.py:
    the S2700-52P's SSH server is off, the eNSP S5700/AR2220 have no SSH user, the S3700 no
    Vlanif address, the spoke CE no Vlanif)."""
    sourced = [c.name for c in CONFIGS if not c.name.startswith("index-")]
    assert "ohihc5--vrpcfg-s5732-h48um4y2cz" in sourced


@pytest.mark.parametrize("config", CONFIGS, ids=[c.name for c in CONFIGS])
def test_a_real_huawei_config_is_adopted_or_left_as_it_was(
    tmp_path: Path, config: RealConfig
) -> None:
    case = next(c for c in CASES if c.platform == config.platform)
    found = SVI.search(config.text)
    assert found is not None
    today = found.group(2)
    inventory = vrp_inventory(tmp_path / "inventory", case, today)
    username, password, _ = LOGINS[config.name]
    vault = {**SNMP, **NEW, "old_user": username, "old_pass": password}
    secrets = EnvVaultResolver(vault=vault, environ={})
    state = tmp_path / "lab"
    network = f"127.229.{next(_networks) % 250}.0/24"
    with Lab(specs_from_inventory(inventory), network=network, state_dir=state) as lab:
        lab.load_config(case.host, config.text, cipher_secrets(config))
        loaded = load_inventory(inventory)
        device = next(d for d in loaded.devices if d.hostname == case.host)
        adoptee = Adoptee(loaded, device, state, secrets)
        before = adoptee.running(today=True)
        adoption = adoptee.adopt(tmp_path / "backups")
        result = adoption.result
        assert "Traceback" not in result.error
        for value in (password, NEW["new_pass"], SNMP["snmp_auth_key"]):
            assert value not in result.error + "\n".join(result.commands) + result.diff
        if result.failed:  # in one line, its stage named, the device as it was
            assert result.error.startswith(f"{case.host}: adoption stage "), result.error
            keep = [x for x in before.split("\n") if not x.startswith("!")]
            assert [
                x for x in adoptee.running(today=True).split("\n") if not x.startswith("!")
            ] == keep
            pytest.fail(f"not adopted (left as it was): {result.error}")
        after = adoptee.running(today=False)
        assert not plan_config(case.host, config.platform, after, after).changed
        assert f"ip address {device.management} " in after
        assert f"ip address {today} " not in after
        assert f"local-user {username} " not in after
        with pytest.raises(UnreachableError):
            adoptee.running(today=True)
        with pytest.raises(AuthenticationError):
            netmiko_connector(
                lab_overlay(state),
                EnvVaultResolver(vault={**vault, "new_user": username, "new_pass": password}),
                adoptee.timeouts,
            )(device)
