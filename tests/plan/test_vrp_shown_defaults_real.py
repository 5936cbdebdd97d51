"""VRP defaults a release prints, on real configs (issue 9).

- ``ntdp enable`` / ``ndp enable`` are on by default, globally and on every port (Huawei
  S2700/S3700 V100 command reference, ``ntdp enable`` / ``ndp enable``); V200 shows only
  their ``undo`` form, but a V100 release prints the positive form on every port
  (iyifanx's saved S2700-52P config). An intended config that says nothing about them means
  the default: the plan leaves them on rather than type ``undo ntdp enable`` on 48 ports.
- ``undo local-user admin`` records that the factory user was deleted (huangxuxiao's eNSP
  S5700): it is no setting to remove (a bare ``local-user admin`` is an incomplete command);
  creating the user takes it away.
"""

from __future__ import annotations

from .real_configs import entries, plan_entry


def _plan(name: str) -> tuple[str, ...]:
    (entry,) = [e for e in entries() if e.file.endswith(f"/{name}.cfg")]
    plan = plan_entry(entry).plan
    assert plan is not None
    return plan.commands


def test_v100_ports_keep_their_default_ntdp_and_ndp() -> None:
    commands = _plan("iyifanx--vrpcfg-s2700-52p")
    assert "interface Ethernet0/0/2" in commands
    assert not [c for c in commands if c.strip() in ("undo ntdp enable", "undo ndp enable")]
    assert not [c for c in commands if c.strip() in ("ntdp enable", "ndp enable")]


def test_a_deleted_factory_user_is_not_undone_with_an_incomplete_command() -> None:
    commands = _plan("huangxuxiao--agg-sw1-s5700")
    assert " local-user admin password irreversible-cipher lab" in commands
    assert " local-user admin" not in commands
