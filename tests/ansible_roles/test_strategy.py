"""The communet_linear strategy against a fresh lab: batched and forked runs agree.

tests/ansible_roles/playbooks/strategy.yml plans one commune twice in check mode, once as a
batch (the strategy) and once per host (a ``when`` sends the task to the action plugin in a
forked worker), registers both, notifies a handler, and fails three tasks on purpose (a bad
argument, an undefined variable, a missing lab); its asserts pin what each host reports.
"""

from __future__ import annotations

import re

import pytest

from communet.inventory import load_inventory

from .conftest import DEMO, Ansible

pytestmark = pytest.mark.slow

THANH_SON = sorted(d.hostname for d in load_inventory(DEMO).devices if d.site.slug == "thanh-son")


def test_batched_and_forked_runs_plan_the_same_and_fail_per_host(ansible: Ansible) -> None:
    before = ansible.running()
    backups = ansible.home / "strategy-backups"
    run = ansible.play(
        "../tests/ansible_roles/playbooks/strategy.yml",
        "-e",
        f"backup_root={backups}",
        name="strategy",
    )
    assert run.process.returncode == 0, run.out[-3000:]
    assert ansible.running() == before  # check mode: no device changed
    assert sorted(run.recap) == THANH_SON
    for host, counts in run.recap.items():
        # two plans reported as changes, three failures ignored, none left failed
        assert (counts["changed"], counts["failed"], counts["ignored"]) == (2, 0, 3), host
        assert len(list((backups / host).glob(f"*/{host}/*.cfg"))) == 1, host
        assert re.search(rf'"msg": "{host} has [1-9][0-9]* lines to send"', run.out), host
        assert "no lab overlay" in run.results[host]["msg"]  # the last communet_config task
    assert "RUNNING HANDLER [Note the planned change]" in run.out


def test_site_plans_the_same_with_ansible_cores_linear_strategy(ansible: Ansible) -> None:
    """ANSIBLE_STRATEGY=linear: the action plugin in a worker per host, the same plans."""
    scope = ("--check", "--diff", "--limit", "commune_dinh_hai:role_aggregation_switch")
    batched = ansible.play("site.yml", *scope, name="site-batched")
    forked = ansible.play(
        "site.yml", *scope, name="site-forked", env={"ANSIBLE_STRATEGY": "linear"}
    )
    assert batched.process.returncode == forked.process.returncode == 0, forked.out[-3000:]
    assert batched.recap == forked.recap
    assert len(batched.recap) == 6  # the commune's four devices and both hubs
    for host, result in batched.results.items():
        assert result["commands"], host
        assert result["commands"] == forked.results[host]["commands"], host
        assert result["run_by"].startswith("communet_linear strategy, chunk 1"), host
        assert forked.results[host]["run_by"].endswith("in a worker forked for this host")
    assert "[DEPRECATION WARNING]: Use of strategy plugins not included" in batched.out
