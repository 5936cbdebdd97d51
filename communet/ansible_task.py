"""The ``communet.network.config`` Ansible task over communet's engine, without Ansible.

The action plugin (``plugins/action/config.py``) runs it for one host per call, in the worker
ansible-core's builtin strategy forks for that host and task; this module validates the
request against the one options schema (:mod:`communet.run_options`), converges the device
(:func:`communet.converge.apply_device`) and reports the result, masked. Any exception while
doing so becomes this host's failed result, never another host's.

Where things come from:

- **Inventory**: the host's ``inventory_file`` (the ``*.communet.yml`` file Ansible parsed;
  its ``path`` option names the inventory directory), or the ``inventory`` task argument.
  Loading a province costs ~0.01 s (demo) to ~0.2 s (2,200 devices), and importing communet
  and netmiko ~1.5 s, so neither may happen per host: :func:`preload` loads every communet
  inventory source of the run once, in ansible-playbook's own process, before any fork.
- **Lab or real devices**: ``state_dir`` (or ``$COMMUNET_LAB``) names a running lab's state
  directory, whose ``lab.json`` maps each hostname to its 127.x address, port and host key
  (:func:`communet.connect.lab_overlay`); otherwise the management address and the
  operator's ``known_hosts`` (:func:`communet.connect.direct`).
- **Secrets**: ``env:NAME`` references from the controller's environment, ``vault:name``
  references from the ``secrets`` task argument (a mapping filled from Ansible Vault
  variables, declared ``no_log``). Every value returned (message, commands, diff) is masked
  by the engine and masked again here against every secret value the task knows.
"""

from __future__ import annotations

import functools
import gc
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from communet.adopt import adopt, paths_for, with_adoption_hint
from communet.connect import Reacher, direct, lab_overlay, netmiko_connector
from communet.converge import (
    MONITORED_ONLY,
    Options,
    Result,
    apply_device,
    describe,
    fit_to_device,
)
from communet.errors import CommunetError
from communet.inventory import LoadedInventory, ResolvedDevice, load_inventory
from communet.inventory.resolve import ProvincePlan
from communet.plan import plan_config
from communet.platforms import PLATFORMS
from communet.render import render_device
from communet.run_options import argument_spec, check
from communet.runner import long_lived_heap
from communet.secrets import (
    MASKED,
    EnvVaultResolver,
    PlaceholderResolver,
    Secret,
)
from communet.session import Connector
from communet.session.netmiko_session import Timeouts

SUFFIXES = (".communet.yml", ".communet.yaml")
PLUGIN_NAMES = ("communet.network.communet",)
MODES = ("apply", "backup", "adopt")

# The module file (plugins/modules/config.py) is generated from the same schema.
ARGUMENT_SPEC: dict[str, dict[str, Any]] = argument_spec()

# The role whose variable forces a plan the lint refused, by device role.
FORCE_VARIABLE = {
    "aggregation_switch": "district_hub_force",
    "access_switch": "commune_switch_force",
    "ce_router": "data_link_force",
    "internet_router": "data_link_force",
    "video_endpoint": "meeting_endpoint_force",
}

ResultDict = dict[str, Any]


# ------------------------------------------------------------------------------ inventories
@dataclass(frozen=True)
class Loaded:
    """One communet inventory, indexed by hostname."""

    inventory: LoadedInventory
    devices: Mapping[str, ResolvedDevice]


# Config file (resolved) → loaded inventory; filled before the first fork, inherited by forks.
_INVENTORIES: dict[Path, Loaded] = {}


def inventory_root(config: Path) -> Path:
    """The inventory directory a ``*.communet.yml`` file points at (its ``path`` option)."""
    with config.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    if not isinstance(data, dict) or data.get("plugin") not in PLUGIN_NAMES or not data.get("path"):
        raise CommunetError(f"{config}: not a communet inventory source (plugin/path)")
    return config.parent / str(data["path"])


def load(source: Path) -> tuple[Loaded, bool]:
    """The inventory behind ``source`` (a config file or a directory); True if cached."""
    key = _resolved(source)
    cached = _INVENTORIES.get(key)
    if cached is not None:
        return cached, True
    root = inventory_root(key) if key.is_file() else key
    inventory = load_inventory(root)
    loaded = Loaded(inventory, {d.hostname: d for d in inventory.devices})
    _INVENTORIES[key] = loaded
    return loaded, False


@functools.lru_cache(maxsize=64)
def _resolved(source: Path) -> Path:
    """Every host of a task names the same inventory file: resolve its path once."""
    return source.resolve()


def run_sources() -> Iterator[Path]:
    """The communet inventory files of this ansible-playbook run (``-i`` or ansible.cfg)."""
    try:
        from ansible import context  # noqa: PLC0415 - only meaningful inside a CLI run
    except ImportError:  # pragma: no cover
        return
    sources = context.CLIARGS.get("inventory") or ()
    for source in sources:
        if "," in str(source):
            continue  # a host list, not a path
        path = Path(str(source)).expanduser()
        if path.is_dir():
            yield from sorted(p for p in path.iterdir() if p.name.endswith(SUFFIXES))
        elif path.name.endswith(SUFFIXES) and path.is_file():
            yield path


_preloaded = False


def preload() -> None:
    """Load every communet inventory of the run now (in ansible-playbook, before any fork)."""
    global _preloaded  # noqa: PLW0603 - once per process, whichever plugin imports first
    if _preloaded:
        return
    _preloaded = True
    sources = list(run_sources())
    if not sources:
        return  # not an ansible-playbook run (ansible-doc, ansible-lint, tests)
    for source in sources:
        try:
            loaded, _ = load(source)
            warm(loaded.inventory)
        except (CommunetError, OSError, yaml.YAMLError):
            continue  # the host's task reports the problem with its own message
    # Ansible forks a worker per host and task from this (large) parent: without this, the
    # garbage collector of every worker walks the inherited heap (two copies of the
    # inventory, netmiko, Ansible) and copies each page it touches. Measured on 102 devices
    # of the 2,248-device province, no-change run: 28.6 -> 20.1 CPU-s.
    gc.freeze()


def warm(inventory: LoadedInventory) -> None:
    """Compile what every worker would otherwise compile again after the fork.

    One device per (province, platform, role) is rendered with placeholder secrets and
    planned against itself: the Jinja2 templates, the per-province device index and the
    planner's regular expressions are then cached in the parent, and every fork inherits
    them (measured on the demo lab: the action's own CPU per no-change device fell from
    ~0.11 s to ~0.045 s).
    """
    for plan in inventory.plans:
        seen: set[tuple[str, str]] = set()
        for device in plan.devices:
            key = (device.platform, str(device.role))
            if key in seen or PLATFORMS[device.platform].plan is None:
                continue
            seen.add(key)
            intended = render_device(plan, device, PlaceholderResolver())
            plan_config(device.hostname, device.platform, intended.text, intended.text)


# ------------------------------------------------------------------------------ requests
@dataclass(frozen=True)
class Request:
    """One host's ``communet_config`` task: its arguments validated, its modes decided."""

    hostname: str
    args: Mapping[str, Any]
    inventory_file: str  # the host's inventory_file variable ("" if none)
    check: bool
    diff: bool

    @property
    def backup_only(self) -> bool:
        return bool(self.args["mode"] == "backup")

    @property
    def vault(self) -> dict[str, str]:
        given = self.args.get("secrets") or {}
        return {str(k): str(v) for k, v in given.items() if v not in (None, "")}

    def secrets(self) -> EnvVaultResolver:
        return AnsibleVaultResolver(vault=self.vault)

    def known_secrets(self) -> list[Secret]:
        """Every secret value this task knows (masked in whatever it returns)."""
        vault = [Secret(f"vault:{k}", v) for k, v in self.vault.items()]
        return vault + _env_secrets()

    def options(self, *, workers: int = 1, processes: int = 1) -> Options:
        check(self.args, "ansible")  # the bounds the CLI checks too (trial_minutes 1-60)
        return Options(
            check=self.check or self.backup_only,
            force=bool(self.args["force"]) or self.backup_only,
            save=bool(self.args["save"]),
            trial_minutes=int(self.args["trial_minutes"]),
            verify_reconnect=bool(self.args["verify_reconnect"]),
            workers=workers,
            processes=processes,
            backup_dir=Path(self.args["backup_dir"]) if self.args.get("backup_dir") else None,
        )

    def connector(self, secrets: EnvVaultResolver) -> Connector:
        timeouts = Timeouts(connect=float(self.args["connect_timeout"]))
        return netmiko_connector(_reacher(self.args), secrets, timeouts)


class AnsibleVaultResolver(EnvVaultResolver):
    """Also names the Ansible variable a missing ``vault:`` reference comes from."""

    def vault_hint(self, name: str) -> str:
        return (
            f"set the variable vault_{name} (a line 'vault_{name}: VALUE' in the secrets file "
            f"passed as -e @FILE, or in an ansible-vault encrypted group_vars file); the roles "
            f"pass it in baseline_secrets as {name}"
        )


# ------------------------------------------------------------------------------ one host
def converge_one(request: Request) -> ResultDict:
    """The action plugin's whole task for one host: apply_device, reported and masked."""
    try:
        with long_lived_heap():  # the worker's collector leaves the heap it inherited alone
            out = _converge_one(request)
    except Exception as error:  # whatever it is, it is this host's failure
        out = failure(request.hostname, error)
    return masked(out, request.known_secrets())


def _converge_one(request: Request) -> ResultDict:
    found = resolve_device(request)
    device = found.device
    if PLATFORMS[device.platform].plan is None:
        return not_configured(device)
    if not device.managed:
        return {"changed": False, "skipped": True, "msg": f"{device.hostname}: {MONITORED_ONLY}"}
    secrets = request.secrets()
    plan = next(p for p in found.loaded.inventory.plans if p.province.slug == device.province)
    if request.args["mode"] == "adopt":
        return _adopt_one(request, found, plan, secrets)
    intended = render_device(plan, device, secrets)
    username = secrets.resolve(device.credentials.username, request.hostname).reveal()
    outcome = apply_device(
        device,
        intended,
        request.connector(secrets),
        request.options(),
        login_user=username,
        refit=functools.partial(fit_to_device, plan, device, secrets, intended),
    )
    outcome = with_adoption_hint(device, outcome)
    return report(outcome, request, cached=found.cached, role=str(device.role))


def _adopt_one(
    request: Request, found: Found, plan: ProvincePlan, secrets: EnvVaultResolver
) -> ResultDict:
    """``mode: adopt``: the staged move onto the intended management path."""
    device = found.device
    timeouts = Timeouts(connect=float(request.args["connect_timeout"]))
    paths = paths_for(_reacher(request.args, today=True), _reacher(request.args), secrets, timeouts)
    adoption = adopt(plan, device, secrets, paths, request.options())
    outcome = adoption.result
    if outcome.skipped:
        return {"changed": False, "skipped": True, "msg": f"{device.hostname}: {outcome.skipped}"}
    out = report(outcome, request, cached=found.cached, role=str(device.role))
    out["stage"] = adoption.stage
    staged = adoption.staged
    if staged is not None and staged.changed:
        out["stages"] = {"converge": list(staged.converge), "move": list(staged.move)}
    if adoption.note and not outcome.failed:
        out["msg"] = f"{device.hostname}: {adoption.note}; {out['msg']}"
    elif outcome.changed and not outcome.failed and not request.check:
        out["msg"] = (
            f"adopted: {len(outcome.commands)} lines sent and verified; the device answers on "
            f"{device.management} with the intended credentials"
        )
    return out


def source_of(request: Request) -> Path:
    source = request.args.get("inventory") or request.inventory_file
    if not source:
        raise CommunetError(
            "the host does not come from a communet inventory (no inventory_file); "
            "use '-i inventory/NAME.communet.yml' or pass 'inventory: DIR'"
        )
    return Path(str(source))


@dataclass(frozen=True)
class Found:
    """A request's device, the inventory it is in, and whether that was loaded before."""

    loaded: Loaded
    device: ResolvedDevice
    cached: bool


def resolve_device(request: Request) -> Found:
    source = source_of(request)
    loaded, cached = load(source)
    device = loaded.devices.get(request.hostname)
    if device is None:
        raise CommunetError(f"not in the communet inventory {source}")
    return Found(loaded, device, cached)


def not_configured(device: ResolvedDevice) -> ResultDict:
    return {
        "changed": False,
        "skipped": True,
        "msg": f"platform {device.platform} is not configured by communet.network.config",
    }


def failure(hostname: str, error: BaseException) -> ResultDict:
    """A failed result whose message names the host (and an unexpected error's type)."""
    return {"failed": True, "changed": False, "msg": describe(hostname, error)}


# ------------------------------------------------------------------------------ results
def report(outcome: Result, request: Request, *, cached: bool, role: str = "") -> ResultDict:
    """The task result of one device's apply (unmasked)."""
    force = FORCE_VARIABLE.get(role, "the role's *_force variable")
    out: ResultDict = {
        "changed": outcome.changed and not request.backup_only,
        "failed": outcome.failed,
        "commands": list(outcome.commands),
        "backup": outcome.backup,
        "rolled_back": outcome.rolled_back,
        "findings": list(outcome.findings),
        "seconds": outcome.seconds,
        "inventory_cache": "inherited" if cached else "loaded",
    }
    if request.backup_only:
        out["drift"] = bool(outcome.commands)
    if outcome.failed:
        out["msg"] = outcome.error
        if outcome.blocked:
            out["msg"] += f" (set {force}: true to push them under a trial commit)"
    elif request.backup_only:
        out["msg"] = f"backup written to {outcome.backup}" if outcome.backup else "no backup_dir"
    elif outcome.changed:
        verb = "to send (check mode: nothing sent)" if request.check else "sent and verified"
        out["msg"] = f"{len(outcome.commands)} lines {verb}"
        if outcome.blocked:
            out["blocked"] = True
            out["warnings"] = [
                f"{outcome.hostname}: a real run would refuse this plan (destructive lines: "
                f"{'; '.join(outcome.findings)}); set {force}: true to push it under a trial "
                "commit"
            ]
    else:
        out["msg"] = "in the intended state"
    if request.diff and outcome.commands:
        out["diff"] = {"prepared": prepared(outcome)}
    return out


def prepared(outcome: Result) -> str:
    """The device diff (running → intended) and the exact lines that are (or would be) sent."""
    lines = [
        outcome.diff.rstrip("\n"),
        f"# {len(outcome.commands)} commands for {outcome.hostname}:",
    ]
    lines += [f"  {command}" for command in outcome.commands]
    return "\n".join(lines) + "\n"


def _reacher(args: Mapping[str, Any], *, today: bool = False) -> Reacher:
    state_dir = args.get("state_dir") or os.environ.get("COMMUNET_LAB")
    if state_dir:
        return lab_overlay(Path(str(state_dir)).expanduser(), today=today)
    return direct(Path(str(args["known_hosts"])).expanduser(), today=today)


def _env_secrets() -> list[Secret]:
    """Credentials this task may have read from the environment (masked in every output)."""
    names = ("COMMUNET_PASSWORD", "COMMUNET_ENABLE")
    return [Secret(f"env:{n}", os.environ[n]) for n in names if os.environ.get(n)]


def masked(result: ResultDict, known: Iterable[Secret]) -> ResultDict:
    """``result`` with every known secret value (4+ characters) replaced by ``********``."""
    secrets = [s.reveal() for s in known if len(s.reveal()) >= 4]
    out: ResultDict = _mask_value(result, secrets)
    return out


def _mask_value(value: Any, secrets: list[str]) -> Any:
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, MASKED)
        return value
    if isinstance(value, dict):
        return {k: _mask_value(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_value(v, secrets) for v in value]
    return value
