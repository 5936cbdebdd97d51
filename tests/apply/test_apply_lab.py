"""The push engine against the lab over real SSH: converge, idempotence, check mode,
a rejected line, unreachable and refused hosts, and a change that cuts management."""

from __future__ import annotations

import time
from pathlib import Path

from communet.apply import Options, apply_device
from communet.plan import plan_config
from communet.render import RenderedConfig, render_device
from communet.render.render import RenderedBlock

from .conftest import Site


def same_config(site: Site, hostname: str, before: str, after: str) -> bool:
    platform = site.device(hostname).platform
    return not plan_config(hostname, platform, after, before).changed


def test_site_converges_then_a_second_run_changes_nothing(site: Site) -> None:
    first = site.apply()
    assert {r.status for r in first.values()} == {"changed"}, {
        h: r.error for h, r in first.items() if r.failed
    }
    assert all(r.backup for r in first.values())
    second = site.apply()
    assert {h: r.status for h, r in second.items()} == dict.fromkeys(second, "ok")


def test_backups_are_written_first_and_hold_no_secret(site: Site) -> None:
    results = site.apply(check=True)
    for result in results.values():
        text = Path(result.backup).read_text("utf-8")
        assert site.lab.credentials.password not in text.split(), result.hostname
        assert "$9$" not in text  # IOS secret hashes are masked too


def test_check_mode_changes_nothing_and_shows_the_commands(site: Site) -> None:
    before = {h: site.running(h) for h in ("dinh-hai-sw1", "thanh-son-sw1", "thanh-son-vc1")}
    results = site.apply(check=True)
    assert {r.status for r in results.values()} == {"changed"}
    assert " switchport access vlan 21" in results["dinh-hai-sw1"].commands
    assert "username admin privilege 15 algorithm-type scrypt secret <masked>" in (
        results["dinh-hai-sw1"].commands
    )
    assert "+hostname dinh-hai-sw1" not in results["dinh-hai-sw1"].diff  # unchanged line
    assert "+ port default vlan 20" in results["thanh-son-sw1"].diff
    for hostname, text in before.items():
        assert site.running(hostname) == text


def test_a_rejected_line_rolls_back_that_host_only(site: Site) -> None:
    rejected = {
        "dinh-hai-sw1": "storm-control",  # IOS: revert timer, reverted now
        "thanh-son-sw1": "storm-control",  # VRP5: no trial, the rollback lines are pushed
        "hub-thach-thanh-agg1": "stp edged-port",  # VRPv8: the candidate is discarded
        "thanh-son-vc1": "xConfiguration NetworkServices NTP Server 2",  # RoomOS: restored
    }
    before = {h: site.running(h) for h in rejected}
    for hostname, prefix in rejected.items():
        site.lab.set_fault(hostname, reject=(prefix,))
    results = site.apply()
    for hostname in rejected:
        result = results[hostname]
        assert result.failed, hostname
        assert result.rolled_back, (hostname, result.error)
        assert result.error.endswith("; rolled back: the running config is as before")
        assert same_config(site, hostname, before[hostname], site.running(hostname)), hostname
    assert "% Invalid input detected at '^' marker." in results["dinh-hai-sw1"].error
    assert "Error: Unrecognized command found at '^' position." in (results["thanh-son-sw1"].error)
    others = {h: r.status for h, r in results.items() if h not in rejected}
    assert set(others.values()) == {"changed"}, others


def test_unreachable_and_wrong_password_fail_alone(site: Site) -> None:
    site.lab.set_fault("dinh-hai-sw2", down=True)
    site.lab.set_fault("thanh-son-ce1", auth_failure=True)
    results = site.apply()
    down, refused = results["dinh-hai-sw2"], results["thanh-son-ce1"]
    assert down.failed
    assert down.error.startswith("dinh-hai-sw2: ")
    assert "no answer" in down.error or "did not answer" in down.error, down.error
    assert refused.failed
    assert refused.error.startswith("thanh-son-ce1: ")
    assert "password" in refused.error or "authentication" in refused.error, refused.error
    assert site.lab.credentials.password not in refused.error.split()
    others = {h: r.status for h, r in results.items() if h not in ("dinh-hai-sw2", "thanh-son-ce1")}
    assert set(others.values()) == {"changed"}


def test_destructive_plans_are_refused_unless_forced(site: Site) -> None:
    hostname = "dinh-hai-sw1"
    device = site.device(hostname)
    site.apply()
    intended = _with_new_management_address(site, hostname)
    result = apply_device(device, intended, site.connect, Options(), login_user="admin")
    assert result.failed
    assert not result.changed
    assert result.error.startswith(
        f"{hostname}: the plan has destructive lines; nothing was pushed"
    )
    assert result.blocked
    assert "management-path" in result.error


def test_a_change_that_cuts_management_is_reverted_by_the_trial_commit(site: Site) -> None:
    hostname = "dinh-hai-sw1"
    device = site.device(hostname)
    site.apply()
    before = site.running(hostname)
    intended = _with_new_management_address(site, hostname)
    options = Options(force=True, trial_minutes=1)
    result = apply_device(device, intended, site.connect, options, login_user="admin")
    assert result.failed
    assert not result.rolled_back
    assert "the device reverts by itself within 1 minutes" in result.error
    ios = site.lab.device(hostname)

    def expire() -> None:
        assert ios.state.revert is not None  # type: ignore[attr-defined]
        ios.state.revert.deadline = 0.0  # type: ignore[attr-defined]

    site.lab.call(expire)  # the timer is due now; the lab's next tick reverts
    deadline = time.monotonic() + 10
    while not site.lab.call(ios.management_up):
        assert time.monotonic() < deadline, "the revert timer never rolled back"
        time.sleep(0.2)
    assert same_config(site, hostname, before, site.running(hostname))


def _with_new_management_address(site: Site, hostname: str) -> RenderedConfig:
    device = site.device(hostname)
    plan = next(p for p in site.loaded.plans if p.province.slug == device.province)
    rendered = render_device(plan, device, site.secrets)
    old = f" ip address {device.management} "
    moved = f" ip address {device.management + 20} "
    lines = tuple(line.replace(old, moved) for line in rendered.lines)
    assert lines != rendered.lines
    return RenderedConfig(
        rendered.hostname,
        rendered.platform,
        rendered.role,
        (RenderedBlock("moved-management", lines),),
        secrets=rendered.secrets,
    )
