"""Apply: bring devices to their intended configuration, safely, one session per host.

For each host: connect, fetch the running config once, write the pre-change backup (secrets
masked), plan offline, refuse destructive plans unless forced, then push under the
platform's trial primitive (IOS revert timer, VRPv8 commit trial; VRP5 and RoomOS keep the
rollback commands ready), verify (re-fetch: the plan must now be empty, and a second session
must still get in), confirm and save. Any failure rolls back and is reported as a value;
the other hosts carry on. The CLI and the Ansible action plugin both call :func:`apply_all`.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import queue
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from communet.errors import CommunetError
from communet.inventory import LoadedInventory, ResolvedDevice
from communet.inventory.model import Role
from communet.inventory.resolve import ProvincePlan
from communet.plan import Context, Plan, PlanError, plan_config
from communet.plan.facts import interfaces_in
from communet.platforms import PLATFORMS, get_platform
from communet.render import RenderedConfig, RenderError, render_device
from communet.secrets import Secret, SecretResolver, mask_secrets
from communet.session import DeviceSession, SessionError

Connector = Callable[[ResolvedDevice], DeviceSession]


@dataclass(frozen=True)
class Options:
    check: bool = False  # plan and report only; never change a device
    force: bool = False  # push even when the lint finds destructive lines
    save: bool = True
    trial_minutes: int = 5
    verify_reconnect: bool = True  # prove management survives with a second session
    workers: int = 20  # concurrent sessions in all, shared between the processes
    processes: int = 1  # OS processes to spread the hosts over (planning is CPU-bound)
    backup_dir: Path | None = None


@dataclass(frozen=True)
class Result:
    """What happened on one host. Secrets are masked in every field."""

    hostname: str
    platform: str
    changed: bool = False
    failed: bool = False
    error: str = ""
    commands: tuple[str, ...] = ()
    diff: str = ""
    findings: tuple[str, ...] = ()
    unmanaged: tuple[str, ...] = ()
    backup: str = ""
    rolled_back: bool = False
    seconds: float = 0.0
    skipped: str = ""  # why communet did not touch the device (monitored only)

    @property
    def status(self) -> str:
        if self.failed:
            return "failed"
        if self.skipped:
            return "skipped"
        return "changed" if self.changed else "ok"


class VerificationError(CommunetError):
    """After the push the device does not show what was intended."""


@dataclass
class _Run:
    device: ResolvedDevice
    intended: RenderedConfig
    options: Options
    connect: Connector
    login_user: str = ""
    refit: Callable[[str], RenderedConfig] | None = None
    started: float = field(default_factory=time.monotonic)
    backup: str = ""

    @property
    def hostname(self) -> str:
        return self.device.hostname

    def mask(self, text: str) -> str:
        return mask_secrets(self.device.platform, text, self.intended.secrets)

    def result(self, plan: Plan | None = None, **fields: object) -> Result:
        base: dict[str, object] = {
            "hostname": self.hostname,
            "platform": self.device.platform,
            "backup": self.backup,
            "seconds": round(time.monotonic() - self.started, 3),
        }
        if plan is not None:
            base.update(
                commands=tuple(plan.masked(plan.commands, self.intended.secrets)),
                diff=plan.diff(self.intended.secrets),
                findings=tuple(f.render() for f in plan.findings),
                unmanaged=tuple(plan.masked(plan.unmanaged, self.intended.secrets)),
            )
        base.update(fields)
        return Result(**base)  # type: ignore[arg-type]


def apply_device(
    device: ResolvedDevice,
    intended: RenderedConfig,
    connect: Connector,
    options: Options,
    login_user: str = "",
    *,
    refit: Callable[[str], RenderedConfig] | None = None,
) -> Result:
    """Converge one host; ``login_user`` is the account the session runs as (never removed).

    ``refit`` renders the intended config again over the device's own interfaces, given
    its running config (see :func:`fit_to_device`).
    """
    run = _Run(device, intended, options, connect, login_user, refit)
    try:
        session = connect(device)
    except CommunetError as error:  # unreachable, or unknown to the lab overlay: this host's
        return run.result(failed=True, error=run.mask(str(error)))
    try:
        return _converge(run, session)
    except (SessionError, PlanError, RenderError) as error:  # before anything was pushed
        return run.result(failed=True, error=run.mask(str(error)))
    finally:
        session.close()


def _converge(run: _Run, session: DeviceSession) -> Result:
    running = session.fetch_running()
    if run.options.backup_dir is not None:
        run.backup = str(write_backup(run.options.backup_dir, run.device, run.mask(running)))
    if run.refit is not None:
        run.intended = _refitted(run, running)
    plan = _plan(run, running)
    if not plan.changed:
        return run.result(plan)
    if plan.blocking and not run.options.force:
        return run.result(
            plan,
            failed=True,
            error="the plan has destructive lines; nothing was pushed (use --force to push "
            "them under a trial commit): " + "; ".join(f.render() for f in plan.blocking),
        )
    if run.options.check:
        return run.result(plan, changed=True)
    try:
        _push(run, session, plan)
    except (SessionError, VerificationError, PlanError) as error:
        rolled_back, note = _roll_back(run, session, plan, running)
        message = run.mask(str(error)) + note
        return run.result(plan, failed=True, error=message, rolled_back=rolled_back)
    return run.result(plan, changed=True)


def _refitted(run: _Run, running: str) -> RenderedConfig:
    """The intended config over the device's own interfaces; a fault stays this host's."""
    assert run.refit is not None
    try:
        return run.refit(running)
    except RenderError:
        raise
    except Exception as error:  # a fault laying the ports over this device's interfaces
        reason = f"{type(error).__name__}: {error}"
        raise PlanError(run.hostname, "intended", None, "", reason) from error


def _plan(run: _Run, running: str) -> Plan:
    mgmt = run.device.site.vlan("MGMT")
    context = Context(
        mgmt_vlan=mgmt.id if mgmt else 10,
        login_user=run.login_user,
        session_address=str(run.device.management),
    )
    try:
        return plan_config(run.hostname, run.device.platform, running, run.intended.text, context)
    except PlanError:
        raise
    except Exception as error:  # a planner fault on this config stays this host's failure
        reason = f"{type(error).__name__}: {error}"
        raise PlanError(run.hostname, "running", None, "", reason) from error


def _push(run: _Run, session: DeviceSession, plan: Plan) -> None:
    minutes = run.options.trial_minutes
    session.begin(minutes)
    session.push(typed_lines(plan.commands))
    session.end(minutes)
    after = _plan(run, session.fetch_running())
    if after.changed:
        shown = "; ".join(after.masked(after.commands[:5], run.intended.secrets))
        raise VerificationError(
            f"{run.hostname}: after the push the device still differs from the intended "
            f"config ({len(after.commands)} lines, first: {shown})"
        )
    if run.options.verify_reconnect:
        run.connect(run.device).close()  # a new session still gets in: management survived
    session.confirm()
    if run.options.save:
        session.save()


def _roll_back(run: _Run, session: DeviceSession, plan: Plan, before: str) -> tuple[bool, str]:
    """Put the device back as it was; say how, or why it could not be checked."""
    method = get_platform(run.device.platform).trial.method
    try:
        session.abort()  # revert timer / abort trial / restore the settings it changed
        restored = _plan_text(run, session.fetch_running(), before)
        if not restored and method == "backup_restore" and plan.rollback:
            session.begin(0)  # VRP5: no trial to fall back on; undo line by line
            session.push(typed_lines(plan.rollback))
            session.end(0)
            restored = _plan_text(run, session.fetch_running(), before)
    except SessionError as error:
        if method == "revert_timer":
            return False, (
                f"; the session is gone ({run.mask(error.reason)}): the device reverts by "
                f"itself within {run.options.trial_minutes} minutes"
            )
        if method == "commit_trial":
            return False, "; the session is gone: the trial commit expires by itself"
        return False, f"; rollback failed too: {run.mask(str(error))}; restore {run.backup}"
    if restored:
        return True, "; rolled back: the running config is as before"
    return False, f"; rolled back, but the device still differs from the backup {run.backup}"


def _plan_text(run: _Run, running: str, target: str) -> bool:
    """Whether ``running`` already equals ``target`` (nothing to do to get there)."""
    plan = plan_config(run.hostname, run.device.platform, running, target)
    return not plan.changed


def typed_lines(lines: Sequence[str]) -> list[str]:
    """A multi-line command (a banner) is typed one line at a time."""
    return [part for line in lines for part in line.split("\n")]


def write_backup(directory: Path, device: ResolvedDevice, masked: str) -> Path:
    """``<dir>/<province>/<hostname>/<UTC timestamp>.cfg``, readable by the owner only."""
    folder = directory / device.province / device.hostname
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    path = folder / f"{stamp}.cfg"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(masked if masked.endswith("\n") else masked + "\n")
    return path


# ------------------------------------------------------------------------------ many hosts
# Platforms with planning rules; others (the exporter host) are provisioned elsewhere.
_PLANNABLE = frozenset(name for name, spec in PLATFORMS.items() if spec.plan is not None)


def plannable(devices: Iterable[ResolvedDevice]) -> list[ResolvedDevice]:
    """The devices communet configures over SSH (not the exporter host)."""
    return [d for d in devices if d.platform in _PLANNABLE]


def apply_all(
    loaded: LoadedInventory,
    devices: Iterable[ResolvedDevice],
    secrets: SecretResolver,
    connect: Connector,
    options: Options,
    *,
    progress: Callable[[Result], None] | None = None,
) -> list[Result]:
    """Every host concurrently (one session each); results in inventory order.

    Sessions run in a thread pool; planning and parsing hold the GIL, so with
    ``options.processes`` > 1 the hosts are dealt out to that many forked processes (each
    with its share of the workers), which report each result as it comes.
    """
    todo = plannable(devices)
    job = _Job({p.province.slug: p for p in loaded.plans}, secrets, connect, options)
    # never more sessions in all than --workers, whatever the number of CPUs
    processes = min(options.processes, options.workers, len(todo) // MIN_HOSTS_PER_PROCESS)
    report = progress or (lambda _result: None)
    if processes <= 1:
        results = _in_threads(job, todo, options.workers, report)
    else:
        results = _in_processes(job, todo, processes, report)
    return [results[d.hostname] for d in todo]


MONITORED_ONLY = (
    "monitored only ('managed: false' in the inventory): its configuration is never pushed to"
)
# Below this many hosts per process, forking costs more than it saves.
MIN_HOSTS_PER_PROCESS = 40


@dataclass(frozen=True)
class _Job:
    plans: dict[str, ProvincePlan]
    secrets: SecretResolver
    connect: Connector
    options: Options

    def run(self, device: ResolvedDevice) -> Result:
        return _one(self.plans[device.province], device, self.secrets, self.connect, self.options)


def _in_threads(
    job: _Job, todo: Sequence[ResolvedDevice], workers: int, report: Callable[[Result], None]
) -> dict[str, Result]:
    results: dict[str, Result] = {}
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for future in as_completed([pool.submit(job.run, d) for d in todo]):
            result = future.result()
            results[result.hostname] = result
            report(result)
    return results


_Inbox = multiprocessing.Queue  # of Result, an exception to re-raise, or None: "done"


def _in_processes(
    job: _Job, todo: Sequence[ResolvedDevice], processes: int, report: Callable[[Result], None]
) -> dict[str, Result]:
    """Deal the hosts out round-robin (neighbours differ in platform and size)."""
    context = multiprocessing.get_context("fork")  # children inherit the loaded inventory
    inbox: _Inbox[Result | BaseException | None] = context.Queue()
    total = job.options.workers  # split exactly: the sessions in all stay --workers
    shares = [todo[i::processes] for i in range(processes)]
    children = [
        context.Process(
            target=_share_main,
            args=(inbox, job, share, total // processes + (i < total % processes)),
            daemon=True,
        )
        for i, share in enumerate(shares)
    ]
    for child in children:
        child.start()
    results: dict[str, Result] = {}
    failure = _collect(inbox, children, results, report)
    for child in children:
        child.join()
    if failure is not None:
        raise failure
    for child, share in zip(children, shares, strict=True):
        for device in share:
            if device.hostname not in results:
                results[device.hostname] = lost = _lost(device, child)
                report(lost)
    return results


def _collect(
    inbox: _Inbox[Result | BaseException | None],
    children: Sequence[multiprocessing.process.BaseProcess],
    results: dict[str, Result],
    report: Callable[[Result], None],
) -> BaseException | None:
    """Results as they come, until every child said it is done (or died without saying)."""
    failure: BaseException | None = None
    running = len(children)
    while running:
        try:
            item = inbox.get(timeout=1.0)
        except queue.Empty:
            if all(child.exitcode is not None for child in children) and inbox.empty():
                break
            continue
        if item is None:
            running -= 1
        elif isinstance(item, BaseException):
            failure = failure or item
        else:
            results[item.hostname] = item
            report(item)
    return failure


def _lost(device: ResolvedDevice, child: multiprocessing.process.BaseProcess) -> Result:
    return Result(
        device.hostname,
        device.platform,
        failed=True,
        error=f"{device.hostname}: the worker process (pid {child.pid}) ended with exit code "
        f"{child.exitcode} before reporting this host; its state is unknown: run again to "
        "check it",
    )


def _share_main(
    inbox: _Inbox[Result | BaseException | None],
    job: _Job,
    share: Sequence[ResolvedDevice],
    workers: int,
) -> None:
    """A child process: its hosts in a thread pool, each result sent as it comes."""
    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for future in as_completed([pool.submit(job.run, d) for d in share]):
                inbox.put(future.result())
    except Exception as error:  # the parent re-raises it, as with threads alone
        inbox.put(error if _picklable(error) else CommunetError(str(error)))
    finally:
        inbox.put(None)
        inbox.close()
        inbox.join_thread()


def _picklable(error: BaseException) -> bool:
    try:
        pickle.dumps(error)
    except Exception:
        return False
    return True


def _one(
    plan: ProvincePlan,
    device: ResolvedDevice,
    secrets: SecretResolver,
    connect: Connector,
    options: Options,
) -> Result:
    if not device.managed:
        return Result(device.hostname, device.platform, skipped=MONITORED_ONLY)
    started = time.monotonic()
    try:
        intended = render_device(plan, device, secrets)
        username = secrets.resolve(device.credentials.username, device.hostname).reveal()
    except CommunetError as error:
        return Result(
            device.hostname,
            device.platform,
            failed=True,
            error=str(error),
            seconds=round(time.monotonic() - started, 3),
        )
    refit = partial(fit_to_device, plan, device, secrets, intended)
    return apply_device(device, intended, connect, options, login_user=username, refit=refit)


def fit_to_device(
    plan: ProvincePlan,
    device: ResolvedDevice,
    secrets: SecretResolver,
    offline: RenderedConfig,
    running: str,
) -> RenderedConfig:
    """The intended config laid over the interfaces the running config lists.

    The model table only serves offline previews; when the device's interfaces differ from
    the ones ``offline`` used, the ports are rendered again over the device's own.
    """
    if device.role is not Role.ACCESS_SWITCH:
        return offline
    found = interfaces_in(device.platform, running)
    if not found or found == offline.interfaces:
        return offline
    return render_device(plan, device, secrets, interfaces=found)


def login_secrets(
    device: ResolvedDevice, secrets: SecretResolver
) -> tuple[Secret, Secret, Secret | None]:
    """The username, password and enable secret the session logs in with."""
    creds = device.credentials
    enable = secrets.resolve(creds.enable, device.hostname) if creds.enable else None
    return (
        secrets.resolve(creds.username, device.hostname),
        secrets.resolve(creds.password, device.hostname),
        enable,
    )
