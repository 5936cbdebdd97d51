"""VRP5 has no trial commit: wherever a push of a real plan stops (the session dropped after
any line, or the device refusing any line), the device ends at its pre-change config.

Real plans: real VRP5 running configs from tests/fixtures/real converged to the demo
inventory's intended access switch and internet router. Three plans come from sourced configs
(repository, path, commit and licence in tests/fixtures/real/index.yaml): a real S2700-52P
(V100) as both the access switch and the router, and an eNSP spoke CE as the access switch
over SSH; the three plans from the unsourced ``index-*`` files (kept as extra data,
tests/fixtures/real/README.md) run as additional cases. The engine is production's
(``apply_device``, ``NetmikoSession``, ``Wire``, the planner); the device is the lab's VRP
engine reached through an in-process channel (tests/apply/inprocess.py), which makes a few
hundred complete apply-and-rollback runs per plan affordable. Every input line of the
change session is a drop position, from login to the rollback's own lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from ipaddress import IPv4Address
from pathlib import Path

import pytest
import yaml

from communet import converge as converge_module
from communet.apply import Options, Result, apply_device
from communet.inventory import ResolvedDevice, load_inventory
from communet.lab.core import DeviceSpec
from communet.lab.vrp import VrpDevice
from communet.plan import plan_config
from communet.render import RenderedConfig, render_device
from communet.secrets import EnvVaultResolver
from tests.apply.conftest import DEMO, VAULT
from tests.apply.inprocess import NOC, InProcessConnector
from tests.lab.corpus import RealConfig, real_configs
from tests.lab.test_real_configs import cipher_secrets

INDEX = Path(__file__).parents[1] / "fixtures" / "real" / "index.yaml"
CHUNKS = 4  # positions n with n % CHUNKS == k run in one test, so workers share a plan
OPTIONS = Options(force=True, save=False, verify_reconnect=False, backup_dir=None)


@pytest.fixture(autouse=True)
def _same_plan_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hundreds of runs plan the same (running, intended) pairs again and again: the apply
    engine gets the very same pure function, memoized, to keep the test in seconds."""
    monkeypatch.setattr(converge_module, "plan_config", cache(plan_config))


@dataclass(frozen=True)
class Case:
    config: str  # corpus file stem
    target: str  # demo device whose intended config is pushed
    user: str  # the config's own SSH user (never touched by the plan)
    source: IPv4Address  # where the vty ACL must see the session come from
    # lines of the real config changed before it is loaded: (line, replacement)
    edits: tuple[tuple[str, str], ...] = ()
    # The plan replaces the vty ACL (acl 2001, which lets the session in, by the NOC's 2000):
    # over SSH a session dropped after that line could not come back to roll the device
    # back, and the engine refuses to force it; the technician pushes it over the console
    # (the rollback's way back too), and the NOC's SSH session proves the result.
    console: bool = False


# The S5700's only default route leads out of a VLAN other than the session's: removing it
# is a management-path change that even --force does not push on VRP5 (no trial commit;
# tests/apply/test_default_routes_lab.py), so as the access switch it already has the
# intended route there, and the plan is pushed: every other line of it is real.
S5700_MGMT_ROUTE = (
    (
        "ip route-static 0.0.0.0 0.0.0.0 59.252.101.62",
        "ip route-static 0.0.0.0 0.0.0.0 10.59.41.1 description MGMT-DEFAULT",
    ),
)


# Plans from sourced configs: the acceptance cases (tests/fixtures/real/index.yaml).
SOURCED = {
    # a real S2700-52P (V100): its SSH server is off (no stelnet server enable), so the push
    # and the rollback go over the console; root is its own aaa user
    "s2700-access": Case("iyifanx--vrpcfg-s2700-52p", "thanh-son-sw1", "root", NOC, console=True),
    "s2700-router": Case(
        "iyifanx--vrpcfg-s2700-52p", "phu-son-thach-thanh-inet1", "root", NOC, console=True
    ),
    # eNSP spoke CE: stelnet on, test123 an aaa user with service-type ssh: over SSH
    "spoke-ce1-access": Case(
        "eyadnasr--interas-option-a-spoke-ce1", "thanh-son-sw1", "test123", NOC
    ),
    # eNSP AR2220 as the commune router: its acl 2000 becomes the NOC's (rule 5 edited in
    # place, rules 10-30 removed by ID), over the console (no SSH user of its own)
    "ar2220-router": Case(
        "huangxuxiao--ar1-ar2220", "phu-son-thach-thanh-inet1", "admin", NOC, console=True
    ),
}

# Plans from the five unsourced index-* configs: extra data, never a case on its own.
CASES = {
    **SOURCED,
    "s5700a-access": Case(
        "index-24709222996--s5700a",
        "thanh-son-sw1",
        "cheche",
        IPv4Address("10.10.66.5"),
        S5700_MGMT_ROUTE,
        console=True,
    ),
    "expointer-access": Case(
        "index-54736178315--sw1pop15-expointer", "thanh-son-sw1", "zandona", NOC
    ),
    "s5700a-router": Case(
        "index-24709222996--s5700a",
        "phu-son-thach-thanh-inet1",
        "cheche",
        IPv4Address("10.10.66.5"),
        console=True,
    ),
}


@cache
def demo() -> tuple[dict[str, ResolvedDevice], dict[str, RenderedConfig]]:
    loaded = load_inventory(Path(DEMO))
    secrets = EnvVaultResolver(
        vault=VAULT,
        environ={
            "COMMUNET_USERNAME": "admin",
            "COMMUNET_PASSWORD": "lab",
            "COMMUNET_ENABLE": "lab",
        },
    )
    devices, intended = {}, {}
    for plan in loaded.plans:
        for device in plan.devices:
            if device.hostname in {c.target for c in CASES.values()}:
                devices[device.hostname] = device
                intended[device.hostname] = render_device(plan, device, secrets)
    return devices, intended


def corpus(name: str) -> RealConfig:
    return next(c for c in real_configs() if c.name == name)


def fresh(case: Case) -> VrpDevice:
    device = demo()[0][case.target]
    lab = VrpDevice(DeviceSpec(hostname=case.target, platform="huawei_vrp", model=device.model))
    config = corpus(case.config)
    text = config.text
    for line, replacement in case.edits:
        assert f"\n{line}\n" in text, line
        text = text.replace(f"\n{line}\n", f"\n{replacement}\n")
    lab.load_config(text)
    lab.known_secrets = cipher_secrets(config)
    return lab


def run(case: Case, lab: VrpDevice) -> tuple[Result, InProcessConnector]:
    devices, intended = demo()
    connector = InProcessConnector(lab, case.user, "corpus-user", case.source, console=case.console)
    proof = InProcessConnector(lab, case.user, "corpus-user", NOC) if case.console else None
    result = apply_device(
        devices[case.target],
        intended[case.target],
        connector,
        OPTIONS,
        case.user,
        management=proof,
        transport="console" if case.console else "ssh",
    )
    return result, connector


@cache
def session_lines(name: str) -> int:
    """How many lines the change session types when nothing is injected (the drop range)."""
    case = CASES[name]
    _, connector = run(case, fresh(case))
    return connector.terminals[0]._lines_in


def shown(lab: VrpDevice) -> str:
    return "\n".join(lab.render(lab.running))


def test_at_least_three_plans_come_from_sourced_configs() -> None:
    """The issue's "at least three real plans" are met by sourced configs alone: each has a
    repository, path and commit in index.yaml (the unsourced files have no repository)."""
    entries = yaml.safe_load(INDEX.read_text(encoding="utf-8"))["configs"]
    provenance = {Path(e["file"]).stem: e.get("source") or {} for e in entries}
    plans = {(case.config, case.target) for case in SOURCED.values()}
    assert len(plans) >= 3
    for config, _ in plans:
        source = provenance[config]
        for field in ("repo", "path", "commit"):
            assert source.get(field), (config, field)


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_plan_is_real_and_long(name: str) -> None:
    """The plans are not toys: tens to hundreds of lines into a device that had its own
    users, trunks and VLANs. Pushed without a fault, a plan either converges (the router)
    or stops at a line the real device's config makes impossible, and then ends at the
    pre-change config."""
    case = CASES[name]
    lab = fresh(case)
    before = shown(lab)
    result, connector = run(case, lab)
    assert len(result.commands) > 30
    assert session_lines(name) > 35
    assert connector.sessions == 1
    if result.failed:
        assert "rolled back: the running config is as before" in result.error
        assert shown(lab) == before
    else:
        assert shown(lab) != before


@pytest.mark.parametrize("chunk", range(CHUNKS))
@pytest.mark.parametrize("name", sorted(CASES))
def test_a_drop_after_any_line_leaves_the_pre_change_config(name: str, chunk: int) -> None:
    case = CASES[name]
    total = session_lines(name)
    before = shown(fresh(case))
    # drop_after_lines=n: the device takes n lines, then hangs up on the next one
    positions = [n for n in range(total) if n % CHUNKS == chunk]
    for position in positions:
        lab = fresh(case)
        lab.faults.drop_after_lines = position
        result, connector = run(case, lab)
        assert result.failed, position
        assert shown(lab) == before, (position, result.error)
        assert connector.drops == [position], position  # the drop did happen, once


@pytest.mark.parametrize("name", ["spoke-ce1-access", "s2700-access", "expointer-access"])
def test_a_refusal_of_any_pushed_line_names_it_and_leaves_the_pre_change_config(
    name: str,
) -> None:
    case = CASES[name]
    lab = fresh(case)
    before = shown(lab)
    clean, _ = run(case, lab)
    # the clean push either stops at a line the device refuses or types the whole plan
    refused = re.search(r"line (\d+) of", clean.error)
    stopped = int(refused.group(1)) if refused else len(clean.commands)
    typed = [line for line in clean.commands[:stopped] if line.strip()]
    assert len(typed) > 30
    for number, line in enumerate(typed, start=1):
        lab = fresh(case)
        # results show secrets masked: refuse the line by what precedes its secret
        lab.faults.reject = (line.split("<masked>")[0].strip(),)
        result, _ = run(case, lab)
        assert result.failed
        assert shown(lab) == before, (number, line, result.error)
        refused = re.search(
            r": '(.*)': the device answered \"(.*?)\" \(line (\d+) of", result.error
        )
        assert refused is not None, result.error
        assert refused.group(1).strip() == line.strip() or refused.group(1).strip() in typed
        assert "Error:" in refused.group(2)
        assert int(refused.group(3)) <= number


def test_a_vty_acl_change_over_ssh_is_not_forced_without_a_trial_commit() -> None:
    """Over SSH the plan that replaces s5700a's vty ACL would shut out the session that
    takes the device back after a drop (acl 2000 does not permit where it came from): with
    no trial commit, ``--force`` does not push it, and says why."""
    case = CASES["s5700a-access"]
    lab = fresh(case)
    before = shown(lab)
    devices, intended = demo()
    connector = InProcessConnector(lab, case.user, "corpus-user", case.source)
    result = apply_device(
        devices[case.target], intended[case.target], connector, OPTIONS, case.user
    )
    assert result.failed
    assert result.error == (
        "thanh-son-sw1: not pushed, even with --force: vty-acl may end the "
        "management session or shut out the new one that would take the device back, and "
        "huawei_vrp has no trial commit to take the device back if it does; make this change "
        "from the console"
    )
    assert shown(lab) == before
