"""Adoption of real running configs (tests/fixtures/real) over SSH: every IOS config of the
corpus that takes an SSH login and has a management SVI is loaded into the lab switch,
reached at that SVI's address with the config's own login, and adopted onto the inventory's
management address and credentials. Each either ends adopted (a second plan empty, the old
address gone) or fails, in one line naming its stage, with the device at its pre-change
config; never half-moved."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from communet.adopt import Adoption
from communet.inventory import load_inventory
from communet.lab import Lab, specs_from_inventory
from communet.plan import plan_config
from communet.secrets import EnvVaultResolver
from communet.session import AuthenticationError, UnreachableError

from ..lab.corpus import RealConfig, real_configs
from ..lab.test_real_configs import ENABLE, LOGINS
from .brownfield import Adoptee
from .conftest import HOST, VAULT, brownfield_inventory, reach_yaml

SVI = re.compile(r"^interface Vlan\d+\n(?: .*\n)*? ip address (\S+) ", re.MULTILINE)
CONFIGS = [
    c for c in real_configs("cisco_ios") if c.name in LOGINS and SVI.search(c.text) is not None
]
_networks = itertools.count()
OUTCOMES: dict[str, str] = {}


def test_the_corpus_gives_configs_to_adopt() -> None:
    assert len(CONFIGS) >= 5


@pytest.fixture(scope="module", autouse=True)
def at_least_three_adopted() -> Iterator[None]:
    yield
    if len(OUTCOMES) == len(CONFIGS):  # the whole set ran (not a -k selection)
        assert sum(o == "adopted" for o in OUTCOMES.values()) >= 3, OUTCOMES


@pytest.mark.parametrize("config", CONFIGS, ids=[c.name for c in CONFIGS])
def test_a_real_config_is_adopted_or_left_as_it_was(tmp_path: Path, config: RealConfig) -> None:
    found = SVI.search(config.text)
    assert found is not None
    today = found.group(1)
    inventory = brownfield_inventory(tmp_path / "inventory", reach_yaml(today))
    username, password, _ = LOGINS[config.name]
    vault = {**VAULT, "old_user": username, "old_pass": password, "old_enable": ENABLE}
    secrets = EnvVaultResolver(vault=vault, environ={})
    state = tmp_path / "lab"
    network = f"127.190.{next(_networks) % 250}.0/24"
    with Lab(specs_from_inventory(inventory), network=network, state_dir=state) as lab:
        lab.load_config(HOST, config.text)
        loaded = load_inventory(inventory)
        device = next(d for d in loaded.devices if d.hostname == HOST)
        adoptee = Adoptee(loaded, device, state, secrets)
        before = adoptee.running(today=True)
        adoption = adoptee.adopt(tmp_path / "backups")
        result = adoption.result
        assert "Traceback" not in result.error
        if not result.failed:
            OUTCOMES[config.name] = "adopted"
            after = adoptee.running(today=False)
            assert not plan_config(HOST, "cisco_ios", after, after).changed
            assert f"ip address {device.management} " in after
            if adoption.note:  # today's address stays on an SVI communet does not manage
                assert adoption.note.startswith(f"today's address {today} stays on Vlan")
                with pytest.raises(AuthenticationError):
                    adoptee.running(today=True)  # but the old login is gone
            else:
                with pytest.raises(UnreachableError):
                    adoptee.running(today=True)  # today's address is gone
            return
        OUTCOMES[config.name] = f"failed: {result.error}"
        assert_failed_cleanly(adoption, before, adoptee.running(today=True))


def assert_failed_cleanly(adoption: Adoption, before: str, now: str) -> None:
    result = adoption.result
    assert result.error.startswith(f"{HOST}: adoption stage "), result.error
    assert "\n" not in result.error.split("\n    fix: ")[0]  # one line (and its fix)
    if adoption.staged is not None and result.rolled_back:
        assert result.error.endswith("; rolled back: the running config is as before")
    # as before, line for line (the header and the archive path the trial adds aside)
    keep = ("Current configuration : ", "! Last configuration change at ")
    strip = {"archive", " path flash:communet-archive"}

    def lines(text: str) -> list[str]:
        out = [line for line in text.split("\n") if not line.startswith(keep)]
        return [line for line in out if line not in strip]

    assert [x for x in lines(now) if x != "!"] == [x for x in lines(before) if x != "!"]
