"""Adoption: move a brownfield device onto its intended management path in verified stages.

A device the province takes over answers today where a vendor left it (the inventory's
``reach``: an address, a port, credentials by reference), not on its intended management
address with the intended credentials. Converging it in one push would remove the address and
the login the session runs over (the guard blocks exactly that: ``management-path``,
``login-removed``). Adoption moves management in its own steps, all under one trial commit:

1. **converge** over today's session everything but the old path: the new management
   interface, address, route and users are added, nothing that carries today's session goes;
2. **prove** that a new session reaches the device on its intended address with the intended
   credentials, its SSH host key verified: the key the device proved on its old address is
   carried over to the new one (never accepted blindly; a different key fails the stage);
3. **move**: over that new session, remove the old path (old address, old users);
4. **confirm**: the device shows the intended config (a second plan is empty), another new
   session still gets in, then the trial commit is confirmed and the config saved.

Any failure puts the device back to its pre-change config (the trial reverts now, over
whichever session still answers, else by itself when it expires), its masked backup exists,
and the result says in one line which stage failed and why.

That is IOS, whose revert timer is device-wide and confirmed from any session. Huawei VRP5
has no trial commit and VRPv8's ``commit trial`` is confirmed only where it was committed, so
there the same stages run make-before-break: stage 1 also adds the new path, each stage is
kept (VRPv8: ``commit trial`` then ``commit`` in the same session) or undone on its own
over a session that still answers, and at every instant one proven path exists
(``_Driver._push_make_before_break``; docs/brownfield.md, "Adopting a Huawei switch").

:func:`stage_plan` is pure (texts in, stages out); :func:`adopt_device` is the I/O driver
over :mod:`communet.converge`'s building blocks (backup, rollback, results).
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import paramiko

from communet.connect import Reacher, netmiko_connector
from communet.converge import (
    MONITORED_ONLY,
    HostRun,
    Options,
    Result,
    VerificationError,
    apply_device,
    describe,
    failed,
    fit_to_device,
    refitted,
    require_converged,
    restore_to,
    roll_back,
    typed_lines,
    write_backup,
)
from communet.errors import CommunetError
from communet.inventory import LoadedInventory, ResolvedDevice
from communet.inventory.resolve import ProvincePlan
from communet.plan import Context, LintFinding, Plan, commands_for, plan_config
from communet.plan.diff import LIST_REMOVE, REMOVE, WRITE_ONLY, Change, Planner, predict
from communet.plan.facts import Facts, PortState, facts, ports_of
from communet.plan.tree import parse, render
from communet.platforms import get_platform
from communet.render import render_device
from communet.runner import ThreadRunner
from communet.secrets import Secret, SecretResolver
from communet.session import (
    AuthenticationError,
    Connector,
    DeviceSession,
    HostKeyError,
    SessionError,
    UnreachableError,
)
from communet.session.netmiko_session import Timeouts

# Where a device can be adopted, by how it keeps a change undoable:
# - IOS 'configure terminal revert timer': one device-wide timer that a second session can
#   confirm or revert, armed across all four stages;
# - VRPv8 'commit trial' (confirmed by 'commit' in the session that committed it; Huawei
#   documents no confirmation from another session) and VRP5 (no trial commit at all):
#   make-before-break, each stage kept or undone on its own, so that at every instant one
#   proven management path exists (docs/brownfield.md, "Adopting a Huawei switch").
DEVICE_WIDE = frozenset({"revert_timer"})
PER_STAGE = frozenset({"commit_trial", "backup_restore"})
ADOPTABLE = DEVICE_WIDE | PER_STAGE

# Hazards that adoption resolves by construction: the old path goes only after the new one
# is proven. Every other blocking finding stops the adoption unless forced, as in apply.
MOVED_BY_ADOPTION = frozenset(
    {"management-path", "management-moved", "default-route", "login-removed"}
)

STAGES = {
    "converge": "1 converge all but the management path (today's session, trial armed)",
    "prove": "2 prove a new session on the intended address, credentials and host key",
    "move": "3 remove the old management path (over the new session)",
    "confirm": "4 verify, confirm the trial commit, save",
}

# The same stages where each is kept or undone on its own (VRP5, VRPv8: make-before-break).
STAGES_PER_STAGE = {
    **STAGES,
    "converge": "1 converge all but the management path, the new path added (today's session)",
    "move": "3 remove the old management path (over the new session; undone over it on failure)",
    "confirm": "4 verify, reconnect, keep and save",
}


def stage_key(platform: str, stage: str) -> str:
    """The message key of ``stage``'s title on ``platform`` (``stage.converge`` or, where
    each stage is kept on its own, ``stage.converge.per_stage``)."""
    per_stage = get_platform(platform).trial.method in PER_STAGE
    return (
        f"stage.{stage}.per_stage" if per_stage and stage in _PER_STAGE_TITLES else f"stage.{stage}"
    )


def stage_titles(platform: str) -> dict[str, str]:
    return STAGES_PER_STAGE if get_platform(platform).trial.method in PER_STAGE else STAGES


_PER_STAGE_TITLES = ("converge", "move", "confirm")

ADOPTED_BEFORE = (
    "adopted before: today's path no longer answers, the intended one does (converged there "
    "as by 'communet apply'); 'reach' can be removed from the inventory"
)
NOT_BROWNFIELD = (
    "nothing to adopt: no 'reach' in the inventory (it answers at its management address "
    "already); 'communet apply' converges it"
)


def with_adoption_hint(device: ResolvedDevice, result: Result) -> Result:
    """``apply``'s result for a device that has ``reach``: when it could not even be planned
    on its management address (not adopted yet?), say how to adopt it."""
    if device.reach is None or not result.failed or result.commands or result.blocked:
        return result
    hint = (
        f"; it has 'reach' in the inventory: if it is not adopted yet, run 'communet adopt "
        f"{device.hostname}' (Ansible: playbooks/adopt.yml) first"
    )
    return replace(result, error=result.error + hint)


class AdoptionError(CommunetError):
    """A stage of an adoption failed; the message names the stage."""


# ------------------------------------------------------------------------------ pure core
@dataclass(frozen=True)
class Staged:
    """What adoption types on one device, by stage."""

    hostname: str
    platform: str
    converge: tuple[str, ...]  # stage 1, over today's session
    move: tuple[str, ...]  # stage 3, over the new session
    findings: tuple[str, ...]  # every finding of the whole change, rendered
    blocking: tuple[str, ...]  # the ones adoption does not resolve: need --force
    plan: Plan  # the whole change in one (its diff and unmanaged lines)

    @property
    def changed(self) -> bool:
        return bool(self.converge or self.move)

    def masked(self, secrets: Sequence[Secret]) -> Staged:
        """The same stages with every secret masked (what is shown; the raw is typed)."""
        return replace(
            self,
            converge=tuple(self.plan.masked(self.converge, secrets)),
            move=tuple(self.plan.masked(self.move, secrets)),
        )


def stage_plan(
    hostname: str,
    platform: str,
    running: str,
    intended: str,
    *,
    old: tuple[str, str],
    new: tuple[str, str],
    mgmt_vlan: int = 10,
) -> Staged:
    """Split the change from ``running`` to ``intended`` into adoption's stages (pure).

    ``old``/``new``: (address, login user) of today's session and of the intended one. The
    old path is what carries today's session: the interface that holds the old address (its
    address removed, the interface shut or deleted), the old login and any line the guard
    names as cutting today's session. Everything else converges in stage 1; stage 3 is what
    is left once stage 1 is in, planned as the new session will plan it.
    """
    spec = get_platform(platform)
    context = Context(mgmt_vlan=mgmt_vlan, login_user=old[1], session_address=old[0])
    whole = plan_config(hostname, platform, running, intended, context)
    touches = old_path(platform, running, old, whole)
    first = [c for c in whole.changes if not touches(c)]
    planner = Planner(spec, context)
    indent = spec.syntax.indent if spec.syntax else " "
    midway = render(predict(planner, parse(spec, running), first), indent) if first else running
    later = Context(mgmt_vlan=mgmt_vlan, login_user=new[1], session_address=new[0])
    rest = plan_config(hostname, platform, midway, intended, later)
    dropped = _dropped_address(platform, running, intended, old[0])
    old_vlan = only_management_vlan(platform, running, whole.after, old[0])
    blocking = tuple(f.render() for f in whole.blocking if not moved_by_adoption(f, old_vlan))
    return Staged(
        hostname,
        platform,
        converge=tuple(commands_for(spec, first)),
        move=_without(rest.commands, dropped) + dropped,
        findings=tuple(f.render() for f in whole.findings),
        blocking=blocking,
        plan=whole,
    )


def _without(commands: tuple[str, ...], typed: tuple[str, ...]) -> tuple[str, ...]:
    """``commands`` less the top-level lines that ``typed`` has (a default route via today's
    subnet: the plan removes it, and so does the platform's adoption data)."""
    return tuple(c for c in commands if c[:1].isspace() or c not in typed)


def _dropped_address(platform: str, running: str, intended: str, address: str) -> tuple[str, ...]:
    """What stage 3 types beyond the plan, from the platform's adoption data: today's
    address off an interface the intended config does not manage, and default routes via
    today's subnet that the intended config does not have (shown in the dry run; the driver
    types what is still there after the move)."""
    spec = get_platform(platform)
    lines = spec.adoption.drop_address
    held = _holder(platform, running, address) if lines else None
    top = {node.text for node in parse(spec, intended).children}
    dropped: tuple[str, ...] = ()
    if held is not None and f"interface {held}" not in top:
        dropped = tuple(line.format(interface=held) for line in lines)
    return dropped + _stale_routes(platform, running, running, intended, address)


def _stale_routes(
    platform: str, before: str, now: str, intended: str, address: str
) -> tuple[str, ...]:
    """The negations of the default routes of ``now`` via the subnet ``address`` had in
    ``before`` that ``intended`` does not have (platforms that keep several default routes:
    ``adoption.drop_old_gateway``)."""
    spec = get_platform(platform)
    rules = spec.plan.state if spec.plan else None
    if not spec.adoption.drop_old_gateway or rules is None or not rules.default_route:
        return ()
    tree = parse(spec, now)
    earlier = parse(spec, before)
    found = facts(platform, earlier, ports_of(spec, rules, earlier))
    held = found.holding(address) if found is not None else None
    subnets = [
        ipaddress.ip_interface(n).network for n in (held.networks if held is not None else ())
    ]
    wanted = {node.text for node in parse(spec, intended).children}
    negation = spec.syntax.negation if spec.syntax else "no "
    stale: list[str] = []
    for node in tree.children:
        route = re.match(rules.default_route, node.text)
        if route is None or node.text in wanted:
            continue
        with contextlib.suppress(ValueError):
            hop = ipaddress.ip_address(route.group("key").split()[-1])
            if any(hop in subnet for subnet in subnets):
                stale.append(negation + route.group("key"))
    return tuple(stale)


def _facts(platform: str, text: str) -> Facts | None:
    """What the guard reads of a config: its interfaces, their VLANs and addresses."""
    spec = get_platform(platform)
    rules = spec.plan.state if spec.plan else None
    if rules is None:
        return None
    tree = parse(spec, text)
    return facts(platform, tree, ports_of(spec, rules, tree))


def _held(platform: str, running: str, address: str) -> PortState | None:
    """What ``running`` says of the interface that holds ``address``."""
    found = _facts(platform, running)
    return found.holding(address) if found is not None else None


def _holder(platform: str, running: str, address: str) -> str | None:
    """The interface that holds ``address`` in ``running``."""
    held = _held(platform, running, address)
    return held.name if held is not None else None


def moved_by_adoption(finding: LintFinding, old_vlan: int | None) -> bool:
    """Whether adoption resolves ``finding`` by construction: the management move itself,
    or today's VLAN (and only it) leaving a trunk once the new path is proven."""
    if finding.rule in MOVED_BY_ADOPTION:
        return True
    if finding.rule != "trunk-vlan-in-use" or old_vlan is None:
        return False
    # the guard's own words for it (communet.plan.guard._port)
    found = re.search(r"stops carrying VLAN ([\d,]+), still in use", finding.reason)
    return found is not None and found.group(1) == str(old_vlan)


def only_management_vlan(platform: str, running: str, after: str, address: str) -> int | None:
    """The VLAN whose SVI holds ``address`` in ``running``, when it carries nothing else:
    no live port of ``after`` (the whole change made) forwards it untagged. Taking that VLAN
    off a trunk is today's path going; None: not on an SVI, or other ports still use it."""
    held = _held(platform, running, address)
    vlan = held.svi_vlan if held is not None else None
    if vlan is None:
        return None
    later = _facts(platform, after)
    for port in later.ports.values() if later is not None else ():
        if port.svi_vlan is None and port.live and vlan in (port.access_vlan, port.native_vlan):
            return None
    return vlan


def old_path(
    platform: str, running: str, old: tuple[str, str], whole: Plan
) -> Callable[[Change], bool]:
    """Whether a change of ``whole`` touches what carries today's session ``old``."""
    address, user = old
    spec = get_platform(platform)
    rules = spec.plan.state if spec.plan else None
    sections: set[str] = set()
    old_vlan: int | None = None  # the VLAN today's session comes in on (an SVI's)
    user_rx: re.Pattern[str] | None = None
    route_rx: re.Pattern[str] | None = None
    if rules is not None:
        tree = parse(spec, running)
        found = facts(platform, tree, ports_of(spec, rules, tree))
        held = found.holding(address) if found is not None else None
        if held is not None:
            negation = spec.syntax.negation if spec.syntax else "no "
            sections = {f"interface {held.name}", f"{negation}interface {held.name}"}
            old_vlan = held.svi_vlan
        user_rx = re.compile(rules.user)
        route_rx = re.compile(rules.default_route) if rules.default_route else None
    named = {f.line for f in whole.findings if f.rule in MOVED_BY_ADOPTION - {"default-route"}}

    def touches(change: Change) -> bool:
        if " > ".join((*change.path, change.node.text)) in named:
            return True
        if change.path[:1] and change.path[0] in sections:
            return True
        if not change.path and change.node.text in sections:
            return True
        # today's VLAN off a trunk (the uplink it comes in on); a default route, which goes
        # only once the new path is proven (the intended one was added in stage 1)
        vlan_off = (
            change.kind == LIST_REMOVE and old_vlan is not None and _names_vlan(change, old_vlan)
        )
        route_off = (
            change.kind == REMOVE
            and route_rx is not None
            and route_rx.match(change.undo[0].text) is not None
        )
        if vlan_off or route_off:
            return True
        if user_rx is None or change.kind != REMOVE or not user:
            return False
        return any(
            (m := user_rx.match(undone.text)) is not None and m.group("user") == user
            for undone in change.undo
        )

    return touches


def _names_vlan(change: Change, vlan: int) -> bool:
    """Whether a list change names ``vlan`` (alone or in a range: 'a-b', 'a to b')."""
    text = re.sub(r"(\d+)\s*(?:-|\sto\s)\s*(\d+)", r"\1-\2", change.node.text)
    for word in re.findall(r"\d+(?:-\d+)?", text.split("vlan", 1)[-1]):
        low, _, high = word.partition("-")
        if int(low) <= vlan <= int(high or low):
            return True
    return False


# ------------------------------------------------------------------------ host keys
def known_hosts_name(address: str, port: int) -> str:
    return address if port == 22 else f"[{address}]:{port}"


def carry_host_key(
    hostname: str, old: tuple[str, int, Path], new: tuple[str, int, Path]
) -> Callable[[], None]:
    """Give the new address the SSH host key the device proved on its old address.

    ``old``/``new``: (address, port, known_hosts file). The old session was verified against
    ``old``'s file, so the key found there is the device's. When the new file already has a
    key for the new address it is left as it is, and the session verifies against it (a
    different device or key there fails stage 2). Returns what undoes the addition.
    """
    old_name, new_name = known_hosts_name(old[0], old[1]), known_hosts_name(new[0], new[1])
    keys = paramiko.HostKeys(str(old[2])).lookup(old_name)
    if not keys:
        raise HostKeyError(hostname, f"no verified host key for {old_name} in {old[2]}")
    target = new[2]
    lines = [f"{new_name} {kind} {key.get_base64()}\n" for kind, key in keys.items()]
    with _KNOWN_HOSTS_LOCK:  # one operator file may serve every device adopted at once
        present = paramiko.HostKeys(str(target)) if target.is_file() else paramiko.HostKeys()
        if present.lookup(new_name):
            return lambda: None
        text = target.read_text("ascii") if target.is_file() else ""
        target.parent.mkdir(parents=True, exist_ok=True)
        separator = "\n" if text and not text.endswith("\n") else ""
        target.write_text(text + separator + "".join(lines), "ascii")

    def undo() -> None:
        """Take back exactly the lines added here (others may have been added since)."""
        with _KNOWN_HOSTS_LOCK:
            if not target.is_file():
                return
            kept = [
                line for line in target.read_text("ascii").splitlines(True) if line not in lines
            ]
            if kept:
                target.write_text("".join(kept), "ascii")
            else:
                target.unlink()

    return undo


_KNOWN_HOSTS_LOCK = threading.Lock()


# ------------------------------------------------------------------------------ driver
@dataclass(frozen=True)
class Paths:
    """How adoption reaches one device: today's path and the intended one."""

    old: Connector  # reach address and credentials
    new: Connector  # management address and credentials
    # (address, port, known_hosts) of each path, for carrying the host key over
    old_where: Callable[[ResolvedDevice], tuple[str, int, Path]]
    new_where: Callable[[ResolvedDevice], tuple[str, int, Path]]


def paths_for(
    today: Reacher, intended: Reacher, secrets: SecretResolver, timeouts: Timeouts | None = None
) -> Paths:
    """Both paths over real, verified SSH sessions (:mod:`communet.connect`)."""

    def where(reach: Reacher, device: ResolvedDevice) -> tuple[str, int, Path]:
        found = reach(device)
        return found.address, found.port, found.known_hosts

    return Paths(
        old=netmiko_connector(today, secrets, timeouts, today=True),
        new=netmiko_connector(intended, secrets, timeouts),
        old_where=partial(where, today),
        new_where=partial(where, intended),
    )


def adopt_all(
    loaded: LoadedInventory,
    devices: Sequence[ResolvedDevice],
    secrets: SecretResolver,
    paths: Paths,
    options: Options,
    *,
    progress: Callable[[Result], None] | None = None,
) -> list[Adoption]:
    """Adopt every device (a few sessions at once, threads); one Adoption each, in order."""
    plans = {p.province.slug: p for p in loaded.plans}
    adoptions: dict[str, Adoption] = {}

    def task(device: ResolvedDevice) -> Result:
        adoption = adopt(plans[device.province], device, secrets, paths, options)
        adoptions[device.hostname] = adoption
        return adoption.result

    results = ThreadRunner(options.workers).run(task, devices, progress or (lambda _r: None))
    return [adoptions.get(d.hostname) or Adoption(results[d.hostname]) for d in devices]


@dataclass
class Adoption:
    """One device's adoption: its result (as apply's) and the stages it planned."""

    result: Result
    staged: Staged | None = None
    stage: str = ""  # the stage that failed ("" if none)
    note: str = ""  # e.g. adopted before: converged on its intended path instead


def adopt(
    plan: ProvincePlan,
    device: ResolvedDevice,
    secrets: SecretResolver,
    paths: Paths,
    options: Options,
) -> Adoption:
    """Adopt ``device``; never raises (any failure is its own result)."""
    if not device.managed:
        return Adoption(Result(device.hostname, device.platform, skipped=MONITORED_ONLY))
    if device.reach is None:
        return Adoption(Result(device.hostname, device.platform, skipped=NOT_BROWNFIELD))
    started = time.monotonic()
    method = get_platform(device.platform).trial.method
    if method not in ADOPTABLE:
        error = AdoptionError(
            f"{device.hostname}: adoption needs a way to undo each stage (cisco_ios, "
            f"huawei_vrp, huawei_vrpv8); {device.platform} has {method!r}: move its "
            "management from the console, then run 'communet apply'"
        )
        return Adoption(failed(device, error, started), stage="prepare")
    try:
        intended = render_device(plan, device, secrets)
        reach_creds = device.reach.credentials or device.credentials
        old_user = secrets.resolve(reach_creds.username, device.hostname).reveal()
        for reference in (reach_creds.password, reach_creds.enable):
            if reference:
                secrets.resolve(reference, device.hostname)
        new_user = secrets.resolve(device.credentials.username, device.hostname).reveal()
        for reference in (device.credentials.password, device.credentials.enable):
            if reference:
                secrets.resolve(reference, device.hostname)
    except Exception as error:
        return Adoption(_stage_failed(device, "prepare", error, started), stage="prepare")
    run = HostRun(device, intended, options, paths.old, old_user)
    run.refit = partial(fit_to_device, plan, device, secrets, intended)
    driver = _Driver(run, paths, str(device.reach.address), old_user, new_user)
    return driver.go()


def _stage_failed(
    device: ResolvedDevice, stage: str, error: BaseException, started: float
) -> Result:
    result = failed(device, error, started)
    return replace(result, error=_with_stage(device.hostname, stage, result.error))


def _with_stage(hostname: str, stage: str, message: str) -> str:
    """``host: adoption stage N (what): cause``: the one line the user reads."""
    number, what = _STAGE_WORDS[stage]
    body = message.removeprefix(f"{hostname}: ")
    return f"{hostname}: adoption stage {number} ({what}): {body}"


_STAGE_WORDS = {
    "prepare": ("0", "prepare"),
    "connect": ("1", "today's session"),
    "converge": ("1", "converge all but the management path"),
    "prove": ("2", "prove the new management path"),
    "move": ("3", "remove the old management path"),
    "confirm": ("4", "verify and confirm"),
}


@dataclass
class _Driver:
    run: HostRun
    paths: Paths
    old_address: str
    old_user: str
    new_user: str
    stage: str = "connect"
    old: DeviceSession | None = None
    new: DeviceSession | None = None
    staged: Staged | None = None
    undo_key: Callable[[], None] | None = None
    left: str = ""  # what of today's path adoption left on the device (and why)

    @property
    def hostname(self) -> str:
        return self.run.hostname

    def go(self) -> Adoption:
        try:
            return self._go()
        finally:
            for session in (self.new, self.old):
                if session is not None:
                    with contextlib.suppress(Exception):
                        session.close()

    def _go(self) -> Adoption:
        prepared = self._prepare()
        if isinstance(prepared, Adoption):
            return prepared
        running, staged = prepared
        return self._gate(staged) or self._change(running, staged)

    def _prepare(self) -> Adoption | tuple[str, Staged]:
        """Today's session, the backup, the stages; or why not (nothing changed yet)."""
        run = self.run
        try:
            self.old = self.paths.old(run.device)
        except (UnreachableError, AuthenticationError) as error:
            return self._adopted_before(error)
        except Exception as error:
            return self._failed(error)
        try:
            running = self.old.fetch_running()
            self.stage = "converge"  # planning stage 1 is part of it
            if run.options.backup_dir is not None:
                path = write_backup(run.options.backup_dir, run.device, run.mask(running))
                run.backup = str(path)
            if run.refit is not None:
                run.intended = refitted(run, running)
            self.staged = self._stages(running)
        except Exception as error:
            return self._failed(error)
        return running, self.staged

    def _gate(self, staged: Staged) -> Adoption | None:
        """The result when nothing is to be pushed: in the intended state, refused, check."""
        run, plan = self.run, staged.plan
        shown = staged.masked(run.intended.secrets)
        typed = shown.converge + shown.move  # what the stages type (the old login included)
        if not staged.changed:
            return Adoption(run.result(plan, commands=typed), shown)
        if staged.blocking and not run.options.force:
            if run.options.check:
                return Adoption(run.result(plan, commands=typed, changed=True, blocked=True), shown)
            refused = AdoptionError(
                f"{self.hostname}: the plan has destructive lines besides the management move; "
                "nothing was pushed: " + "; ".join(staged.blocking)
            )
            error = self._line(refused)
            return Adoption(
                run.result(plan, commands=typed, failed=True, blocked=True, error=error),
                shown,
                "converge",
            )
        if run.options.check:
            return Adoption(run.result(plan, commands=typed, changed=True), shown)
        return None

    def _change(self, running: str, staged: Staged) -> Adoption:
        """The stages; any failure rolls the device back and names its stage."""
        run, plan = self.run, staged.plan
        shown = staged.masked(run.intended.secrets)
        typed = shown.converge + shown.move
        try:
            self._push(running)
        except Exception as error:
            rolled_back, note = self._roll_back(running)
            if self.undo_key is not None:
                self.undo_key()
            message = run.mask(self._line(error)) + note
            result = run.result(
                plan, commands=typed, failed=True, error=message, rolled_back=rolled_back
            )
            return Adoption(result, shown, self.stage)
        return Adoption(run.result(plan, commands=typed, changed=True), shown, note=self.left)

    def _adopted_before(self, today: SessionError) -> Adoption:
        """Today's path does not answer: if the intended one does, the device was adopted
        before (a second run): converge it there as apply would, and say so."""
        run = self.run
        try:
            self.paths.new(run.device).close()
        except Exception as error:
            message = (
                self._line(today)
                + "; nor on its management address: "
                + describe(self.hostname, error).removeprefix(f"{self.hostname}: ")
            )
            return Adoption(run.result(failed=True, error=run.mask(message)), None, self.stage)
        result = apply_device(
            run.device,
            run.intended,
            self.paths.new,
            run.options,
            login_user=self.new_user,
            refit=run.refit,
        )
        return Adoption(result, note=ADOPTED_BEFORE)

    def _stages(self, running: str) -> Staged:
        mgmt = self.run.device.site.vlan("MGMT")
        return stage_plan(
            self.hostname,
            self.run.device.platform,
            running,
            self.run.intended.text,
            old=(self.old_address, self.old_user),
            new=(str(self.run.device.management), self.new_user),
            mgmt_vlan=mgmt.id if mgmt else 10,
        )

    def _push(self, running: str) -> None:
        if get_platform(self.run.device.platform).trial.method in PER_STAGE:
            self._push_make_before_break(running)
        else:
            self._push_device_wide(running)

    def _push_device_wide(self, running: str) -> None:
        """IOS: the four stages under one revert timer, confirmed at the end."""
        run, staged = self.run, self.staged
        assert staged is not None
        assert self.old is not None
        minutes = run.options.trial_minutes
        # 1: everything but the old path, over today's session, the trial armed
        self.stage = "converge"
        self.old.begin(minutes)
        if staged.converge:
            self.old.push(typed_lines(staged.converge))
        self.old.end(minutes)
        left = self._plan(self.old.fetch_running(), old_session=True)
        self._require_stage_one(running, left)
        # 2: a new session on the intended address, credentials and (carried) host key
        self.stage = "prove"
        self.undo_key = carry_host_key(
            self.hostname, self.paths.old_where(run.device), self.paths.new_where(run.device)
        )
        self.new = self.paths.new(run.device)
        # 3: the old path goes, over the new session (the trial still armed)
        self.stage = "move"
        move = self._plan(self.new.fetch_running(), old_session=False)
        if move.blocking and not run.options.force:
            raise AdoptionError(
                f"{self.hostname}: removing the old path would be destructive: "
                + "; ".join(f.render() for f in move.blocking)
            )
        if move.changed:
            self.new.begin(0)  # plain configuration mode: the device-wide trial stays armed
            self.new.push(typed_lines(move.commands))
            self.new.end(0)
        # 4: the intended config, a second new session, then keep it
        self.stage = "confirm"
        require_converged(run, self._plan(self.new.fetch_running(), old_session=False), "the move")
        if run.options.verify_reconnect:
            self.paths.new(run.device).close()
        self.new.confirm()
        if run.options.save:
            self.new.save()
        self.undo_key = None
        self.left = self._left_behind(self.new.fetch_running())

    def _push_make_before_break(self, running: str) -> None:
        """VRP5 and VRPv8: each stage kept or undone on its own, one proven path throughout.

        1. over today's session: everything but today's path, the new path included (VRPv8:
           ``commit trial``, still pending; VRP5: in effect at once, the backup ready);
        2. a new session proves the new path (address, login, carried host key); only then
           does today's session keep stage 1 (VRPv8: ``commit`` where it was committed);
        3. over the new session: today's path goes (VRPv8: its own ``commit trial``);
        4. a second plan is empty, another new session gets in, the new session keeps
           stage 3 (VRPv8: ``commit``) and saves.

        A failure before stage 3 is undone over today's session (its path is still there);
        in stages 3 and 4, the new session first puts today's path back, then today's
        session (a fresh one) undoes the rest: see :meth:`_roll_back`.
        """
        run, staged = self.run, self.staged
        assert staged is not None
        assert self.old is not None
        trial = run.options.trial_minutes if self._has_trial else 0
        self.stage = "converge"
        self.old.begin(trial)
        if staged.converge:
            self.old.push(typed_lines(staged.converge))
        self.old.end(trial)
        self._require_stage_one(running, self._plan(self.old.fetch_running(), old_session=True))
        self.stage = "prove"
        self.undo_key = carry_host_key(
            self.hostname, self.paths.old_where(run.device), self.paths.new_where(run.device)
        )
        self.new = self.paths.new(run.device)
        if trial:
            self.old.confirm()  # the new path is proven: keep stages 1 and 2
        self.stage = "move"
        move = self._plan(self.new.fetch_running(), old_session=False)
        old_vlan = only_management_vlan(
            run.device.platform, running, staged.plan.after, self.old_address
        )
        blocking = [f for f in move.blocking if not moved_by_adoption(f, old_vlan)]
        if blocking and not run.options.force:
            raise AdoptionError(
                f"{self.hostname}: removing the old path would be destructive: "
                + "; ".join(f.render() for f in blocking)
            )
        if move.changed:
            self.new.begin(trial)
            self.new.push(typed_lines(move.commands))
            self.new.end(trial)
        self._drop_old_address(running, trial)
        self.stage = "confirm"
        require_converged(run, self._plan(self.new.fetch_running(), old_session=False), "the move")
        if run.options.verify_reconnect:
            self.paths.new(run.device).close()
        if trial:
            self.new.confirm()
        if run.options.save:
            self.new.save()
        self.undo_key = None
        self.left = self._left_behind(self.new.fetch_running())

    def _drop_old_address(self, running: str, trial: int) -> None:
        """Today's address, still on an interface the intended config does not manage, and a
        default route via today's subnet go too, where the platform says how (its adoption
        data); over the new session, in stage 3. ``running``: before the change."""
        assert self.new is not None
        platform = self.run.device.platform
        lines = get_platform(platform).adoption.drop_address
        now = self.new.fetch_running()
        held = _holder(platform, now, self.old_address) if lines else None
        typed = [line.format(interface=held) for line in lines] if held is not None else []
        typed += _stale_routes(platform, running, now, self.run.intended.text, self.old_address)
        if not typed:
            return
        self.new.begin(trial)
        self.new.push(typed)
        self.new.end(trial)

    @property
    def _has_trial(self) -> bool:
        return get_platform(self.run.device.platform).trial.method == "commit_trial"

    def _require_stage_one(self, running: str, left: Plan) -> None:
        stray = [
            c for c in left.changes if c.kind != WRITE_ONLY and not self._on_old_path(running, c)
        ]
        if stray:
            raise VerificationError(
                f"{self.hostname}: after stage 1 the device still differs from the intended "
                f"config beyond the old management path ({len(stray)} changes, first: "
                f"{' > '.join((*stray[0].path, stray[0].node.text))})"
            )

    def _left_behind(self, running: str) -> str:
        """Today's address, when it is still on the device: on an interface the intended
        config does not own (an L3 switch's user VLAN, say), adoption leaves it, as the
        planner leaves whatever it does not manage; the old login is gone all the same."""
        platform = self.run.device.platform
        spec = get_platform(platform)
        rules = spec.plan.state if spec.plan else None
        if rules is None:
            return ""
        tree = parse(spec, running)
        found = facts(platform, tree, ports_of(spec, rules, tree))
        held = found.holding(self.old_address) if found is not None else None
        if held is None:
            return ""
        return (
            f"today's address {self.old_address} stays on {held.name}, which the intended "
            "config does not manage: remove it once nothing else uses it"
        )

    def _on_old_path(self, running: str, change: Change) -> bool:
        assert self.staged is not None
        old = (self.old_address, self.old_user)
        return old_path(self.run.device.platform, running, old, self.staged.plan)(change)

    def _plan(self, running: str, *, old_session: bool) -> Plan:
        mgmt = self.run.device.site.vlan("MGMT")
        context = Context(
            mgmt_vlan=mgmt.id if mgmt else 10,
            login_user=self.old_user if old_session else self.new_user,
            session_address=self.old_address if old_session else str(self.run.device.management),
        )
        return plan_config(
            self.hostname, self.run.device.platform, running, self.run.intended.text, context
        )

    def _roll_back(self, before: str) -> tuple[bool, str]:
        """Back to the pre-change config over whichever session still answers."""
        if get_platform(self.run.device.platform).trial.method in PER_STAGE:
            return self._roll_back_stages(before)
        note = ""
        for session in (self.new, self.old):
            if session is None:
                continue
            rolled, note = roll_back(self.run, session, before)
            if rolled:
                return True, note
        return False, note

    def _roll_back_stages(self, before: str) -> tuple[bool, str]:
        """VRP: undo what of the stages took effect, planned from the device's config as it
        is now back to ``before``. A trial still pending (VRPv8) is aborted first in the
        session that committed it. Before stage 3 today's path is intact: today's session
        undoes it all (a fresh one if it died). From stage 3 on, today's path may be gone:
        the new session puts it back first (only what re-adds it, nothing it runs on), then
        a fresh session on today's path undoes the rest, the new path included."""
        for session in (self.new, self.old):
            if session is not None:
                with contextlib.suppress(Exception):
                    session.abort()  # out of system-view; VRPv8: 'abort trial' if pending
        if self.stage in ("move", "confirm") and self.new is not None:
            try:
                self._put_old_path_back(before)
            except Exception as error:
                problem = self.run.mask(describe(self.hostname, error))
                return False, f"; rollback failed too: {problem}; restore {self.run.backup}"
            with contextlib.suppress(Exception):
                assert self.old is not None
                self.old.close()
            self.old = None
        return restore_to(self.run, self.old, before)

    def _put_old_path_back(self, before: str) -> None:
        """Over the new session: re-add what stage 3 removed (today's address, login)."""
        assert self.new is not None
        spec = get_platform(self.run.device.platform)
        context = Context(restore=True)
        back = plan_config(
            self.hostname, self.run.device.platform, self.new.fetch_running(), before, context
        )
        adds = [c for c in back.changes if c.kind not in (REMOVE, WRITE_ONLY, LIST_REMOVE)]
        if adds:
            self.new.begin(0)
            self.new.push(typed_lines(commands_for(spec, adds)))
            self.new.end(0)

    def _line(self, error: BaseException) -> str:
        return _with_stage(self.hostname, self.stage, describe(self.hostname, error))

    def _failed(self, error: BaseException) -> Adoption:
        message = self.run.mask(self._line(error))
        staged = self.staged.masked(self.run.intended.secrets) if self.staged else None
        return Adoption(self.run.result(failed=True, error=message), staged, self.stage)
