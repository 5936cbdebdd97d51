"""Every host's failure is its own: unexpected exceptions, against the lab over real SSH.

Not SessionError: a file where a host's backup folder should be (FileExistsError), and a
session that raises a plain exception in the middle of a change. The host fails with that
reason; the others converge and are reported; nothing is left half-pushed.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from communet import apply
from communet.apply import Options, Result, apply_all
from communet.inventory import ResolvedDevice
from communet.plan import plan_config
from communet.session import Connector, DeviceSession

from .conftest import Site

VICTIM = "dinh-hai-sw1"


def same_config(site: Site, hostname: str, before: str, after: str) -> bool:
    return not plan_config(hostname, site.device(hostname).platform, after, before).changed


def run(site: Site, connect: Connector, processes: int = 1) -> dict[str, Result]:
    reported: list[str] = []
    options = Options(backup_dir=site.state / "backups", processes=processes)
    results = apply_all(
        site.loaded,
        site.loaded.devices,
        site.secrets,
        connect,
        options,
        progress=lambda r: reported.append(r.hostname),
    )
    assert sorted(reported) == sorted(r.hostname for r in results)  # each reported once
    return {r.hostname: r for r in results}


@pytest.mark.parametrize("processes", [1, 2])
def test_a_file_where_the_backup_folder_should_be_fails_that_host_alone(
    site: Site, processes: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(apply, "MIN_HOSTS_PER_PROCESS", 2)
    before = site.running(VICTIM)
    device = site.device(VICTIM)
    blocker = site.state / "backups" / device.province / VICTIM
    blocker.parent.mkdir(parents=True)
    blocker.write_text("not a folder\n", "utf-8")
    results = run(site, site.connect, processes)
    victim = results[VICTIM]
    assert victim.failed
    assert victim.error.startswith(f"{VICTIM}: unexpected FileExistsError: "), victim.error
    assert str(blocker) in victim.error
    assert not victim.commands  # failed before the plan: nothing was planned or pushed
    assert site.running(VICTIM) == before
    others = {h: r.status for h, r in results.items() if h != VICTIM}
    assert len(others) == len(apply.plannable(site.loaded.devices)) - 1
    assert set(others.values()) == {"changed"}, {h: results[h].error for h in others}


class _Breaking:
    """A real session whose ``end`` raises a plain exception after the lines were pushed."""

    def __init__(self, inner: DeviceSession) -> None:
        self.inner = inner
        self.hostname = inner.hostname

    def fetch_running(self) -> str:
        return self.inner.fetch_running()

    def show(self, command: str) -> str:
        return self.inner.show(command)

    def begin(self, trial_minutes: int) -> None:
        self.inner.begin(trial_minutes)

    def push(self, lines: Sequence[str]) -> str:
        return self.inner.push(lines)

    def end(self, trial_minutes: int) -> None:
        raise KeyError("a bug between push and confirm")

    def confirm(self) -> None:
        self.inner.confirm()

    def abort(self) -> None:
        self.inner.abort()

    def save(self) -> None:
        self.inner.save()

    def close(self) -> None:
        self.inner.close()


def test_an_unexpected_exception_mid_change_rolls_that_host_back(site: Site) -> None:
    before = site.running(VICTIM)
    broken_once: list[str] = []

    def connect(device: ResolvedDevice) -> DeviceSession:
        session = site.connect(device)
        if device.hostname == VICTIM and not broken_once:
            broken_once.append(VICTIM)
            return _Breaking(session)
        return session

    results = run(site, connect)
    victim = results[VICTIM]
    assert victim.failed
    assert victim.rolled_back, victim.error
    assert victim.error.startswith(f"{VICTIM}: unexpected KeyError: 'a bug between push"), (
        victim.error
    )
    assert victim.error.endswith("; rolled back: the running config is as before")
    assert same_config(site, VICTIM, before, site.running(VICTIM))
    assert {r.status for h, r in results.items() if h != VICTIM} == {"changed"}


class _Forgetful(_Breaking):
    """A real session that silently drops the interface descriptions it is given to type."""

    def end(self, trial_minutes: int) -> None:
        self.inner.end(trial_minutes)

    def push(self, lines: Sequence[str]) -> str:
        return self.inner.push([line for line in lines if not line.startswith(" description")])


def test_a_device_that_does_not_show_what_was_pushed_fails_verification_and_rolls_back(
    site: Site,
) -> None:
    before = site.running(VICTIM)

    def connect(device: ResolvedDevice) -> DeviceSession:
        session = site.connect(device)
        return _Forgetful(session) if device.hostname == VICTIM else session

    victim = run(site, connect)[VICTIM]
    assert victim.failed
    assert victim.rolled_back, victim.error
    assert victim.error.startswith(
        f"{VICTIM}: after the push the device still differs from the intended config ("
    ), victim.error
    assert " lines, first: " in victim.error
    assert "description" in victim.error
    assert victim.error.endswith("; rolled back: the running config is as before")
    assert same_config(site, VICTIM, before, site.running(VICTIM))
