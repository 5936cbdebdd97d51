"""apply_all spread over forked processes (``--processes``), against the lab over real SSH.

The demo province is small, so the per-process minimum is lowered for these tests; the
production threshold only decides when forking is worth it.
"""

from __future__ import annotations

import os

import pytest

from communet import apply
from communet.apply import Options, Result, apply_all
from communet.connect import LabOverlayError
from communet.inventory import ResolvedDevice
from communet.session import Connector, DeviceSession

from .conftest import Site


@pytest.fixture(autouse=True)
def small_shares(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(apply, "MIN_HOSTS_PER_PROCESS", 2)


def run(site: Site, connect: Connector | None = None, **options: object) -> list[Result]:
    seen: list[str] = []
    opts = Options(processes=2, backup_dir=site.state / "backups", **options)  # type: ignore[arg-type]
    results = apply_all(
        site.loaded,
        site.loaded.devices,
        site.secrets,
        connect or site.connect,
        opts,
        progress=lambda result: seen.append(result.hostname),
    )
    assert sorted(seen) == sorted(r.hostname for r in results)  # each host reported once
    return results


def test_two_processes_converge_then_find_nothing_to_do(site: Site) -> None:
    parent = os.getpid()
    first = run(site)
    managed = [d.hostname for d in apply.plannable(site.loaded.devices)]
    assert [r.hostname for r in first] == managed  # inventory order, whoever finished first
    assert {r.status for r in first} == {"changed"}, {r.hostname: r.error for r in first}
    assert os.getpid() == parent
    assert {r.status for r in run(site)} == {"ok"}


def test_a_process_that_dies_fails_its_hosts_with_the_reason(site: Site) -> None:
    victim = "dinh-hai-sw1"

    def dying(device: ResolvedDevice) -> DeviceSession:
        if device.hostname == victim:
            os._exit(9)  # as if the kernel killed the process (out of memory)
        return site.connect(device)

    results = {r.hostname: r for r in run(site, dying, check=True)}
    assert results[victim].failed
    assert "the worker process (pid " in results[victim].error
    assert results[victim].error.endswith(
        "ended with exit code 9 before reporting this host; its state is unknown: run again to "
        "check it"
    )
    # the other process finished all its hosts
    fine = [r for r in results.values() if not r.failed]
    assert fine
    assert all(r.status == "changed" for r in fine)  # check mode: all still to do


def test_one_host_unknown_to_the_overlay_fails_alone(site: Site) -> None:
    missing = "dinh-hai-sw2"

    def overlay(device: ResolvedDevice) -> DeviceSession:
        if device.hostname == missing:
            raise LabOverlayError(f"{device.hostname}: not in the lab overlay")
        return site.connect(device)

    results = {r.hostname: r for r in run(site, overlay, check=True)}
    assert results[missing].failed
    assert results[missing].error == "dinh-hai-sw2: not in the lab overlay"
    others = [r for name, r in results.items() if name != missing]
    assert others
    assert all(not r.failed for r in others), {r.hostname: r.error for r in others}
