"""site.yml, audit.yml and backup.yml over real SSH against one lab of the demo province.

The module's story runs once (module fixture), in order, and the tests check its chapters:
``--check --diff`` on the fresh lab, the converging run, the no-change re-run, a manual
change found by the audit, the backup playbook, then one device down and one refusing the
password while the others complete.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from netmiko import ConnectHandler

from communet.inventory import load_inventory
from communet.platforms import PLATFORMS

from .conftest import DEMO, VAULT, Ansible, Run

pytestmark = pytest.mark.slow

MANAGED = sorted(
    d.hostname for d in load_inventory(DEMO).devices if PLATFORMS[d.platform].plan is not None
)
CHANGED_BY_HAND = "dinh-hai-sw1"
DOWN = "dinh-hai-sw2"
WRONG_PASSWORD = "thanh-son-ce1"
HUBS = sorted(d.hostname for d in load_inventory(DEMO).devices if d.role == "aggregation_switch")
THANH_SON = sorted(h for h in MANAGED if h.startswith("thanh-son-"))
NGHI_SON = {d.hostname for d in load_inventory(DEMO).devices if d.site.district_slug == "nghi-son"}


@dataclass
class Story:
    fresh: dict[str, str]
    check: Run
    after_check: dict[str, str]
    converge: Run
    rerun: Run
    removed_line: str
    audit: Run
    after_audit: str
    backup: Run
    before_faults: str
    faults: Run
    after_faults: str
    hubs_down: Run


@pytest.fixture(scope="module")
def story(ansible: Ansible) -> Story:
    fresh = ansible.running()
    check = ansible.play("site.yml", "--check", "--diff", name="check")
    after_check = ansible.running()
    converge = ansible.play("site.yml", name="converge")
    rerun = ansible.play("site.yml", name="rerun")
    # A technician removes an NTP server by hand over SSH (netmiko, not communet).
    running = ansible.running()[CHANGED_BY_HAND]
    removed = next(line for line in running.splitlines() if line.startswith("ntp server"))
    with ConnectHandler(**ansible.lab.netmiko_params(CHANGED_BY_HAND)) as technician:
        technician.enable()
        technician.send_config_set([f"no {removed}"])
    audit = ansible.play("audit.yml", "-e", "scope=district_nghi_son", name="audit")
    after_audit = ansible.running()[CHANGED_BY_HAND]
    backup = ansible.play("backup.yml", "-e", "scope=commune_dinh_hai", name="backup")
    before_faults = ansible.running()[CHANGED_BY_HAND]
    ansible.lab.set_fault(DOWN, down=True)
    ansible.lab.set_fault(WRONG_PASSWORD, auth_failure=True)
    # The drifting switch refuses the repair mid-push: it must end as it was, rolled back.
    ansible.lab.set_fault(CHANGED_BY_HAND, reject=("ntp server",))
    try:
        faults = ansible.play(
            "site.yml",
            "--limit",
            "commune_dinh_hai:commune_thanh_son",
            "-e",
            "baseline_connect_timeout=2",
            name="faults",
        )
    finally:
        for host in (DOWN, WRONG_PASSWORD, CHANGED_BY_HAND):
            ansible.lab.clear_faults(host)
    after_faults = ansible.running()[CHANGED_BY_HAND]
    # Every host of the first role fails: the run must still reach the other roles.
    for hub in HUBS:
        ansible.lab.set_fault(hub, down=True)
    try:
        hubs_down = ansible.play(
            "site.yml",
            "--limit",
            "role_aggregation_switch:commune_thanh_son",
            "-e",
            "baseline_connect_timeout=2",
            name="hubs-down",
        )
    finally:
        for hub in HUBS:
            ansible.lab.clear_faults(hub)
    return Story(
        fresh,
        check,
        after_check,
        converge,
        rerun,
        removed,
        audit,
        after_audit,
        backup,
        before_faults,
        faults,
        after_faults,
        hubs_down,
    )


def test_check_diff_changes_nothing_and_shows_the_exact_commands(story: Story) -> None:
    check = story.check
    assert check.process.returncode == 0, check.out[-3000:]
    assert story.after_check == story.fresh  # no device changed
    assert sorted(check.recap) == MANAGED
    assert all(counts["changed"] == 1 for counts in check.recap.values()), check.recap
    for host in MANAGED:
        planned = check.results[host]["commands"]
        assert planned, host
        # ... exactly the lines the real run then sent, each shown in the diff output
        assert planned == story.converge.results[host]["commands"], host
        assert f"# {len(planned)} commands for {host}:" in check.out
        assert all(f"  {line}\n" in check.out for line in planned), host
        assert check.results[host]["inventory_cache"] == "inherited"  # loaded before the fork


def test_site_converges_every_host(story: Story) -> None:
    run = story.converge
    assert run.process.returncode == 0, run.out[-3000:]
    assert sorted(run.recap) == MANAGED
    for host, counts in run.recap.items():
        assert (counts["changed"], counts["failed"]) == (1, 0), host
        result = run.results[host]
        assert result["changed"] is True
        assert result["rolled_back"] is False
        assert Path(result["backup"]).is_file()  # pre-change backup, from COMMUNET_BACKUP_DIR


def test_second_run_reports_changed_0_for_every_host(story: Story) -> None:
    run = story.rerun
    assert run.process.returncode == 0, run.out[-3000:]
    assert sorted(run.recap) == MANAGED
    assert all(c["changed"] == 0 and c["failed"] == 0 for c in run.recap.values()), run.recap
    assert all(run.results[h]["msg"] == "in the intended state" for h in MANAGED)


def test_audit_reports_the_manual_change_and_changes_nothing(story: Story) -> None:
    run = story.audit
    assert run.process.returncode == 0, run.out[-3000:]
    assert sorted(run.recap) == [h for h in MANAGED if h in NGHI_SON]  # -e scope=...
    drifted = sorted(h for h, c in run.recap.items() if c["changed"])
    assert drifted == [CHANGED_BY_HAND]
    # the missing line first (write-only lines such as SNMP users ride along with any change)
    assert run.results[CHANGED_BY_HAND]["commands"][0] == story.removed_line
    assert f"+{story.removed_line}" in run.out  # the diff
    assert f"drift on 1 of {len(run.recap)} devices answering: {CHANGED_BY_HAND}" in run.out
    assert story.removed_line not in story.after_audit  # still drifting: nothing was sent


def test_backup_writes_masked_configs_and_changes_nothing(story: Story, ansible: Ansible) -> None:
    run = story.backup
    assert run.process.returncode == 0, run.out[-3000:]
    hosts = sorted(run.recap)
    assert hosts == [h for h in MANAGED if h.startswith("dinh-hai-")]
    assert all(run.recap[h]["changed"] == 0 for h in hosts)
    assert run.results[CHANGED_BY_HAND]["drift"] is True
    for host in hosts:
        path = Path(run.results[host]["backup"])
        assert path.is_relative_to(ansible.backups)
        assert path.stat().st_mode & 0o077 == 0
        text = path.read_text("utf-8")
        # the keys are masked (the SNMP user name is an identifier the engine leaves readable)
        assert VAULT["vault_snmp_auth_key"] not in text
        assert VAULT["vault_snmp_priv_key"] not in text


def config_lines(running: str) -> list[str]:
    """The config without IOS's header comments (sizes and change times)."""
    return [line for line in running.splitlines() if not line.startswith(("!", "Current conf"))]


def test_down_refusing_and_rejecting_devices_fail_alone(story: Story) -> None:
    run = story.faults
    assert run.process.returncode != 0
    failed = sorted(h for h, c in run.recap.items() if c["failed"])
    assert failed == sorted([DOWN, WRONG_PASSWORD, CHANGED_BY_HAND])
    # the others completed
    assert len(run.recap) == 7  # --limit commune_dinh_hai:commune_thanh_son
    assert all(c["failed"] == 0 for h, c in run.recap.items() if h not in failed)
    # the rejected push was rolled back: the device is as it was, and says why
    rejected = run.results[CHANGED_BY_HAND]
    assert rejected["rolled_back"] is True
    assert story.removed_line in rejected["msg"]
    assert "rolled back" in rejected["msg"]
    assert config_lines(story.after_faults) == config_lines(story.before_faults)
    down, refused = run.results[DOWN]["msg"], run.results[WRONG_PASSWORD]["msg"]
    assert down.startswith(f"{DOWN}: no answer on "), down
    assert down.endswith("within 2 s"), down
    assert refused.startswith(f"{WRONG_PASSWORD}: authentication failed for user "), refused


def test_every_hub_down_still_converges_the_other_roles(story: Story) -> None:
    # ansible-playbook ends a run when every host of a play fails: site.yml is one play, so
    # the commune's switch, routers and codec run after both hubs failed.
    run = story.hubs_down
    assert run.process.returncode != 0
    assert sorted(run.recap) == sorted(HUBS + THANH_SON)
    assert all(run.recap[hub]["failed"] == 1 for hub in HUBS), run.recap
    assert all(run.recap[host]["failed"] == 0 for host in THANH_SON), run.recap
    assert all(run.results[host]["msg"] == "in the intended state" for host in THANH_SON)
    for hub in HUBS:
        assert run.results[hub]["msg"].startswith(f"{hub}: no answer on "), run.results[hub]


def test_no_output_contains_a_secret(story: Story) -> None:
    runs = (story.check, story.converge, story.rerun, story.audit, story.backup, story.faults)
    for run in runs:
        for value in VAULT.values():
            if len(value) >= 8:
                assert value not in run.out
                assert value not in str(run.results)


def test_a_missing_vault_variable_fails_naming_it(ansible: Ansible) -> None:
    run = ansible.play("switches.yml", "--check", "--limit", "thanh-son-sw1", vault=False)
    assert run.recap["thanh-son-sw1"]["failed"] == 1
    msg = run.results["thanh-son-sw1"]["msg"]
    assert msg.startswith("thanh-son-sw1: secret vault:snmp_")
    # the same secrets file format as the CLI's --secrets, named as Ansible users pass it
    assert "fix: set the variable vault_snmp_" in msg
    assert "in the secrets file passed as -e @FILE" in msg
    assert "--secrets" not in msg


def test_no_run_prints_a_deprecation_warning(story: Story) -> None:
    """The builtin strategy, FQCNs, supported interfaces only: nothing is deprecated."""
    runs = (story.check, story.converge, story.rerun, story.audit, story.backup, story.faults)
    for run in runs:
        assert "DEPRECATION" not in run.out, run.out[:3000]
        assert "[WARNING]" not in run.out, run.out[:3000]


def test_a_plan_the_lint_refuses_shows_its_diff_and_names_the_role_variable(
    ansible: Ansible,
) -> None:
    host = CHANGED_BY_HAND
    converged = ansible.play("switches.yml", "--limit", host, name="lint-converge")
    assert converged.recap[host]["failed"] == 0, converged.out[-3000:]
    running = ansible.running()[host]
    gateway = next(line for line in running.splitlines() if line.startswith("ip default-gateway"))
    moved = gateway.rsplit(".", 1)[0] + ".99"  # a technician points it elsewhere by hand
    with ConnectHandler(**ansible.lab.netmiko_params(host)) as technician:
        technician.enable()
        technician.send_config_set([moved])
    try:
        check = ansible.play("switches.yml", "--check", "--diff", "--limit", host, name="lint-c")
        real = ansible.play("switches.yml", "--limit", host, name="lint-real")
    finally:
        with ConnectHandler(**ansible.lab.netmiko_params(host)) as technician:
            technician.enable()
            technician.send_config_set([gateway])
    assert check.process.returncode == 0, check.out[-3000:]
    assert check.recap[host]["changed"] == 1
    assert check.results[host]["blocked"] is True
    assert f"+{gateway}" in check.out  # the diff is shown
    assert f"  {gateway}\n" in check.out  # and the line that would be sent
    warning = " ".join(check.out[check.out.index("[WARNING]:") :].split())
    assert warning.startswith(f"[WARNING]: {host}: a real run would refuse this plan")
    assert "default-route: 'ip default-gateway" in warning
    assert "set commune_switch_force: true to push it under a trial commit" in warning
    assert real.recap[host]["failed"] == 1
    msg = real.results[host]["msg"]
    assert msg.startswith(f"{host}: the plan has destructive lines; nothing was pushed: ")
    assert msg.endswith("(set commune_switch_force: true to push them under a trial commit)")
    assert "--force" not in msg


def test_a_trial_window_out_of_bounds_names_the_role_variable(ansible: Ansible) -> None:
    run = ansible.play(
        "switches.yml",
        "--check",
        "--limit",
        "thanh-son-sw1",
        "-e",
        "commune_switch_trial_minutes=0",
        name="trial-0",
    )
    assert run.recap["thanh-son-sw1"]["failed"] == 1
    assert "commune_switch_trial_minutes must be between 1 and 60 (got 0)" in run.out
    assert "thanh-son-sw1" not in run.results  # stopped before any device session
