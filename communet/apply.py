"""Apply: converge many devices at once, each by the per-host protocol.

:mod:`communet.converge` is what happens on one device (backup, plan, lint gate, trial push,
verify, confirm, save, rollback; every failure its own result); :mod:`communet.runner` runs
it over many hosts (threads, or forked processes). The CLI and the Ansible action plugin both
call :func:`apply_all`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from communet.adopt import with_adoption_hint
from communet.converge import (
    MONITORED_ONLY,
    Options,
    Result,
    VerificationError,
    apply_device,
    converge,
    fit_to_device,
)
from communet.inventory import LoadedInventory, ResolvedDevice
from communet.platforms import PLATFORMS
from communet.runner import ProcessRunner, Runner, ThreadRunner
from communet.secrets import SecretResolver
from communet.session import Connector

__all__ = [
    "MONITORED_ONLY",
    "Connector",
    "Options",
    "Result",
    "VerificationError",
    "apply_all",
    "apply_device",
    "fit_to_device",
    "plannable",
    "runner_for",
]

# Platforms with planning rules; others (the exporter host) are provisioned elsewhere.
_PLANNABLE = frozenset(name for name, spec in PLATFORMS.items() if spec.plan is not None)

# Below this many hosts per process, forking costs more than it saves.
MIN_HOSTS_PER_PROCESS = 40


def plannable(devices: Iterable[ResolvedDevice]) -> list[ResolvedDevice]:
    """The devices communet configures over SSH (not the exporter host)."""
    return [d for d in devices if d.platform in _PLANNABLE]


def runner_for(options: Options, hosts: int) -> Runner:
    """Threads, or processes when there are enough hosts for forking to pay off; never more
    sessions in all than ``options.workers``, whatever the number of CPUs."""
    processes = min(options.processes, options.workers, hosts // MIN_HOSTS_PER_PROCESS)
    if processes <= 1:
        return ThreadRunner(options.workers)
    return ProcessRunner(processes, options.workers)


def apply_all(
    loaded: LoadedInventory,
    devices: Iterable[ResolvedDevice],
    secrets: SecretResolver,
    connect: Connector,
    options: Options,
    *,
    progress: Callable[[Result], None] | None = None,
    runner: Runner | None = None,
    management: Connector | None = None,
    transport: str = "ssh",
) -> list[Result]:
    """Every plannable host of ``devices``, concurrently; one result each, in inventory order.

    Never raises because of a host: each host's failure is its own result, reported through
    ``progress`` as it comes like every other. ``management``/``transport``: sessions that
    ``connect`` opens off the management path (a serial console; see ``apply_device``).
    """
    todo = plannable(devices)
    plans = {p.province.slug: p for p in loaded.plans}

    def task(device: ResolvedDevice) -> Result:
        result = converge(
            plans[device.province],
            device,
            secrets,
            connect,
            options,
            management=management,
            transport=transport,
        )
        # over the console the device is reached whatever its 'reach' says: no adoption hint
        return with_adoption_hint(device, result) if management is None else result

    chosen = runner or runner_for(options, len(todo))
    results = chosen.run(task, todo, progress or (lambda _result: None))
    return [results[d.hostname] for d in todo]
