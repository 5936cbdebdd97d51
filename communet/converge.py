"""Converge one device to its intended configuration, safely (the per-host protocol).

For one host: connect, fetch the running config once, write the pre-change backup (secrets
masked), plan offline, refuse destructive plans unless forced, then push under the
platform's trial primitive (IOS revert timer, VRPv8 commit trial; VRP5 and RoomOS have none:
a failed push is undone by planning from the device's config as it is then back to the
backup), verify (re-fetch: the plan must now be empty, and a second session
must still get in), confirm and save.

Every host's failure is its own (as nornir's ``Task.start``): ANY exception while working on
the device becomes its failed :class:`Result` (never raised to the caller), and any exception
between ``begin`` and ``confirm`` rolls the device back first. Running many hosts at once is
:mod:`communet.runner`; :func:`communet.apply.apply_all` puts the two together.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from communet.errors import CommunetError
from communet.inventory import ResolvedDevice
from communet.inventory.model import Role
from communet.inventory.resolve import ProvincePlan
from communet.plan import Context, Plan, PlanError, plan_config
from communet.plan.facts import interfaces_in, links_in
from communet.plan.guard import LOCKOUT_HAZARDS, SESSION_HAZARDS
from communet.platforms import get_platform
from communet.render import RenderedConfig, RenderError, render_device
from communet.secrets import SecretResolver, mask_secrets
from communet.session import CommandRejectedError, Connector, DeviceSession, SessionError


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
    blocked: bool = False  # the lint refused the plan (destructive lines, not forced)
    seconds: float = 0.0
    skipped: str = ""  # why communet did not touch the device (monitored only)
    transport: str = "ssh"  # what carried the session: "ssh", or "console" (serial cable)

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
class HostRun:
    device: ResolvedDevice
    intended: RenderedConfig
    options: Options
    connect: Connector
    login_user: str = ""
    refit: Callable[[str], RenderedConfig] | None = None
    started: float = field(default_factory=time.monotonic)
    backup: str = ""
    links: frozenset[str] | None = None  # ports with a link, as the device says
    # The session runs off the management path (a serial console): the plan may change that
    # path, and ``management`` opens the session that proves it before the trial is confirmed.
    management: Connector | None = None
    transport: str = "ssh"

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
            "transport": self.transport,
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

    def failed(self, error: BaseException, plan: Plan | None = None) -> Result:
        return self.result(plan, failed=True, error=self.mask(describe(self.hostname, error)))


def describe(hostname: str, error: BaseException) -> str:
    """One line naming the host and the cause; an unexpected exception also names its type."""
    text = (
        str(error)
        if isinstance(error, CommunetError)
        else f"unexpected {type(error).__name__}: {error}"
    )
    return text if text.startswith(f"{hostname}:") else f"{hostname}: {text}"


def apply_device(
    device: ResolvedDevice,
    intended: RenderedConfig,
    connect: Connector,
    options: Options,
    login_user: str = "",
    *,
    refit: Callable[[str], RenderedConfig] | None = None,
    management: Connector | None = None,
    transport: str = "ssh",
) -> Result:
    """Converge one host; ``login_user`` is the account the session runs as (never removed).

    ``refit`` renders the intended config again over the device's own interfaces, given
    its running config (see :func:`fit_to_device`). ``management``: ``connect`` opens a
    session off the management path (``transport`` "console"); the plan may then change
    that path, and a session ``management`` opens on it must get in before the trial is
    confirmed (else the device is rolled back).

    Never raises (except BaseExceptions that end the program: KeyboardInterrupt, SystemExit):
    whatever goes wrong is this host's failed result.
    """
    run = HostRun(device, intended, options, connect, login_user, refit)
    run.management, run.transport = management, transport
    try:
        session = connect(device)
    except Exception as error:
        return run.failed(error)
    try:
        return _converge(run, session)
    except Exception as error:  # before begin(): nothing was pushed (_push rolls back itself)
        return run.failed(error)
    finally:
        _close(session)


def _close(session: DeviceSession) -> None:
    # closing a session that failed already says nothing new
    with contextlib.suppress(Exception):
        session.close()


def _converge(run: HostRun, session: DeviceSession) -> Result:
    running = session.fetch_running()
    if run.options.backup_dir is not None:
        run.backup = str(write_backup(run.options.backup_dir, run.device, run.mask(running)))
    if run.refit is not None:
        run.intended = refitted(run, running)
    run.links = _links(run, session)
    plan = _plan(run, running)
    if not plan.changed:
        return run.result(plan)
    if plan.blocking and not run.options.force:
        # the interface adds how to force it (--force, or the role's *_force variable)
        if run.options.check:  # nothing is sent anyway: show the plan, say it would refuse
            return run.result(plan, changed=True, blocked=True)
        return run.result(
            plan,
            failed=True,
            blocked=True,
            error=f"{run.hostname}: the plan has destructive lines; nothing was pushed: "
            + "; ".join(f.render() for f in plan.blocking),
        )
    if run.options.check:
        return run.result(plan, changed=True)
    return _pushed(run, session, plan, running)


def _pushed(run: HostRun, session: DeviceSession, plan: Plan, running: str) -> Result:
    unsafe = _unforceable(run, plan)
    if unsafe:
        return run.result(plan, failed=True, blocked=True, error=unsafe)
    try:
        _push(run, session, plan)
    except Exception as error:  # ANY failure between begin and confirm: put the device back
        rolled_back, note = roll_back(run, session, running)
        message = run.mask(describe(run.hostname, error)) + note
        return run.result(plan, failed=True, error=message, rolled_back=rolled_back)
    return run.result(plan, changed=True)


def _unforceable(run: HostRun, plan: Plan) -> str:
    """Why ``--force`` cannot push this plan ("" when it can): a change that may end the
    session, on a platform with no trial commit to take the device back (VRP5)."""
    if get_platform(run.device.platform).trial.method != "backup_restore":
        return ""
    risky = sorted({f.rule for f in plan.blocking if f.rule in SESSION_HAZARDS | LOCKOUT_HAZARDS})
    if not risky:
        return ""
    what = "may end the management session"
    if not set(risky) <= SESSION_HAZARDS:
        what += " or shut out the new one that would take the device back"
    return (
        f"{run.hostname}: not pushed, even with --force: {', '.join(risky)} {what}, and "
        f"{run.device.platform} has no trial commit to take the device back if it does; make "
        "this change from the console"
    )


def refitted(run: HostRun, running: str) -> RenderedConfig:
    """The intended config over the device's own interfaces; a fault stays this host's."""
    assert run.refit is not None
    try:
        return run.refit(running)
    except RenderError:
        raise
    except Exception as error:  # a fault laying the ports over this device's interfaces
        reason = f"{type(error).__name__}: {error}"
        raise PlanError(run.hostname, "intended", None, "", reason) from error


def _plan(run: HostRun, running: str) -> Plan:
    mgmt = run.device.site.vlan("MGMT")
    context = Context(
        mgmt_vlan=mgmt.id if mgmt else 10,
        login_user=run.login_user,
        # over a console the management path does not carry this session
        session_address="" if run.management is not None else str(run.device.management),
        console=run.management is not None,
        links_up=run.links,
        noc_networks=run.intended.noc_networks,
    )
    try:
        return plan_config(run.hostname, run.device.platform, running, run.intended.text, context)
    except PlanError:
        raise
    except Exception as error:  # a planner fault on this config stays this host's failure
        reason = f"{type(error).__name__}: {error}"
        raise PlanError(run.hostname, "running", None, "", reason) from error


def _links(run: HostRun, session: DeviceSession) -> frozenset[str] | None:
    """The ports that have a link now, from the device (None: the platform cannot tell, or
    this device does not know the command; the guard then judges on the config alone)."""
    spec = get_platform(run.device.platform)
    rules = spec.plan.state if spec.plan else None
    if rules is None or not rules.link_command:
        return None
    try:
        return links_in(rules, session.show(rules.link_command))
    except CommandRejectedError:
        return None


def _push(run: HostRun, session: DeviceSession, plan: Plan) -> None:
    minutes = run.options.trial_minutes
    session.begin(minutes)
    session.push(typed_lines(plan.commands))
    session.end(minutes)
    require_converged(run, _plan(run, session.fetch_running()), "the push")
    if run.management is not None:  # the management path works: a session gets in on it
        run.management(run.device).close()
    elif run.options.verify_reconnect:
        run.connect(run.device).close()  # a new session still gets in: management survived
    session.confirm()
    if run.options.save:
        session.save()


def require_converged(run: HostRun, after: Plan, step: str) -> None:
    """Raise when the plan read back after ``step`` still has lines (shown masked)."""
    if after.changed:
        shown = "; ".join(after.masked(after.commands[:5], run.intended.secrets))
        raise VerificationError(
            f"{run.hostname}: after {step} the device still differs from the intended "
            f"config ({len(after.commands)} lines, first: {shown})"
        )


def roll_back(run: HostRun, session: DeviceSession, before: str) -> tuple[bool, str]:
    """Put the device back as it was; say how, or why it could not be checked."""
    method = get_platform(run.device.platform).trial.method
    if method == "backup_restore":
        return _restore(run, session, before)
    try:
        session.abort()  # revert timer / abort trial / restore the settings it changed
        restored = _plan_text(run, session.fetch_running(), before)
    except Exception as error:
        return False, _unchecked(run, method, error)
    if restored:
        return True, "; rolled back: the running config is as before"
    return False, f"; rolled back, but the device still differs from the backup {run.backup}"


def _unchecked(run: HostRun, method: str, error: Exception) -> str:
    """Why the rollback could not be checked, and what the device does about it by itself."""
    if not isinstance(error, SessionError):
        problem = run.mask(describe(run.hostname, error))
        return f"; rollback failed too: {problem}; restore {run.backup}"
    if method == "revert_timer":
        return (
            f"; the session is gone ({run.mask(error.reason)}): the device reverts by "
            f"itself within {run.options.trial_minutes} minutes"
        )
    if method == "commit_trial":
        return "; the session is gone: the trial commit expires by itself"
    return f"; rollback failed too: {run.mask(str(error))}; restore {run.backup}"


def _restore(run: HostRun, session: DeviceSession, before: str) -> tuple[bool, str]:
    """No trial commit (VRP5): undo what of the push took effect, from the device's config as
    it is now (the push may have stopped at any line), over a new session if this one died."""
    return restore_to(run, session, before)


def restore_to(run: HostRun, session: DeviceSession | None, before: str) -> tuple[bool, str]:
    """Plan from the device's config as it is now back to ``before`` and push that, over
    ``session``, else (it died, or None) over a new one from ``run.connect``. Also how an
    adoption on VRP undoes stages that were already kept (:mod:`communet.adopt`)."""
    problem = ""
    for fresh in (False, True):
        if not fresh and session is None:
            continue
        try:
            live = run.connect(run.device) if fresh or session is None else session
            try:
                if not fresh:
                    live.abort()  # out of configuration mode (VRP5: nothing else)
                if _undo_to(run, live, before):
                    how = " over a new session" if fresh else ""
                    return True, f"; rolled back{how}: the running config is as before"
                return False, (
                    f"; rolled back, but the device still differs from the backup {run.backup}"
                )
            finally:
                if fresh:
                    _close(live)
        except Exception as error:  # any failure here: try a new session, then report
            problem = run.mask(describe(run.hostname, error))
    return False, f"; rollback failed too: {problem}; restore {run.backup}"


def _undo_to(run: HostRun, session: DeviceSession, before: str) -> bool:
    """Push what takes the running config back to ``before`` (planned in restore mode: every
    line is communet's, nothing protected); whether it got there."""
    context = Context(login_user=run.login_user, restore=True)
    for _ in range(2):  # a second pass for what the first one uncovered
        back = plan_config(
            run.hostname, run.device.platform, session.fetch_running(), before, context
        )
        if not back.changed:
            return True
        session.begin(0)
        session.push(typed_lines(back.commands))
        session.end(0)
    back = plan_config(run.hostname, run.device.platform, session.fetch_running(), before, context)
    return not back.changed


def _plan_text(run: HostRun, running: str, target: str) -> bool:
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


def converge(
    plan: ProvincePlan,
    device: ResolvedDevice,
    secrets: SecretResolver,
    connect: Connector,
    options: Options,
    *,
    management: Connector | None = None,
    transport: str = "ssh",
) -> Result:
    """Render ``device`` from its province plan and converge it; never raises (``management``,
    ``transport``: see :func:`apply_device`)."""
    if not device.managed:
        return Result(device.hostname, device.platform, skipped=MONITORED_ONLY)
    started = time.monotonic()
    try:
        intended = render_device(plan, device, secrets)
        username = secrets.resolve(device.credentials.username, device.hostname).reveal()
    except Exception as error:
        return replace(failed(device, error, started), transport=transport)
    refit = partial(fit_to_device, plan, device, secrets, intended)
    return apply_device(
        device,
        intended,
        connect,
        options,
        login_user=username,
        refit=refit,
        management=management,
        transport=transport,
    )


MONITORED_ONLY = (
    "monitored only ('managed: false' in the inventory): its configuration is never pushed to"
)


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
    if device.role not in (Role.ACCESS_SWITCH, Role.CE_ROUTER):
        return offline
    found = interfaces_in(device.platform, running)
    if not found or (device.role is Role.ACCESS_SWITCH and found == offline.interfaces):
        return offline
    return render_device(plan, device, secrets, interfaces=found)


def failed(device: ResolvedDevice, error: BaseException, started: float | None = None) -> Result:
    """``device``'s failed result for ``error`` (before any session was opened)."""
    seconds = round(time.monotonic() - started, 3) if started is not None else 0.0
    return Result(
        device.hostname,
        device.platform,
        failed=True,
        error=describe(device.hostname, error),
        seconds=seconds,
    )
