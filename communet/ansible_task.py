"""The ``communet_config`` Ansible task over communet's apply engine, without Ansible.

Two Ansible plugins run this task: the action plugin (``plugins/action/communet_config.py``,
one host per call, in the worker ansible-core forks for that host and task) and the
``communet_linear`` strategy (``plugins/strategy/``), which hands every host of the task to
:func:`converge_batch` at once (:func:`communet.apply.apply_all`: one session per device,
the hosts spread over the CPUs). Both build their requests and report their results here, so
a host's result is the same whichever plugin ran it.

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
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from communet.apply import (
    MONITORED_ONLY,
    Connector,
    Options,
    Result,
    apply_all,
    apply_device,
    fit_to_device,
)
from communet.connect import Reacher, direct, lab_overlay, netmiko_connector
from communet.errors import CommunetError
from communet.inventory import LoadedInventory, ResolvedDevice, load_inventory
from communet.plan import plan_config
from communet.platforms import PLATFORMS
from communet.render import render_device
from communet.secrets import (
    MASKED,
    EnvVaultResolver,
    PlaceholderResolver,
    Secret,
)
from communet.session.netmiko_session import Timeouts

SUFFIXES = (".communet.yml", ".communet.yaml")
MODES = ("apply", "backup")

# The module stub (plugins/modules/communet_config.py) documents the same options;
# tests/ansible_roles/test_action.py checks that the two agree.
ARGUMENT_SPEC: dict[str, dict[str, Any]] = {
    "mode": {"type": "str", "default": "apply", "choices": list(MODES)},
    "state_dir": {"type": "path"},
    "known_hosts": {"type": "path", "default": "~/.ssh/known_hosts"},
    "backup_dir": {"type": "path"},
    "force": {"type": "bool", "default": False},
    "save": {"type": "bool", "default": True},
    "trial_minutes": {"type": "int", "default": 5},
    "connect_timeout": {"type": "float", "default": 10.0},
    "verify_reconnect": {"type": "bool", "default": True},
    "secrets": {"type": "dict", "default": {}, "no_log": True},
    "inventory": {"type": "path"},
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
    if not isinstance(data, dict) or data.get("plugin") != "communet" or not data.get("path"):
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

    def same_run(self) -> tuple[object, ...]:
        """Requests equal here can share one apply_all (one connector, one set of options)."""
        return (
            self.check,
            self.diff,
            str(self.args.get("inventory") or self.inventory_file),
            tuple(sorted((k, repr(v)) for k, v in self.args.items())),
        )


class AnsibleVaultResolver(EnvVaultResolver):
    """Also names the Ansible variable a missing ``vault:`` reference comes from."""

    def vault_hint(self, name: str) -> str:
        return (
            f"{super().vault_hint(name)}\n    ansible: the task's 'secrets' has no {name!r}; "
            f"the roles pass baseline_secrets, where {name} comes from the variable vault_{name}"
        )


# ------------------------------------------------------------------------------ one host
def converge_one(request: Request) -> ResultDict:
    """The action plugin's whole task for one host: apply_device, reported and masked."""
    try:
        out = _converge_one(request)
    except (CommunetError, OSError, yaml.YAMLError) as error:
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
    return report(outcome, request, cached=found.cached)


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
        "msg": f"platform {device.platform} is not configured by communet_config",
    }


def failure(hostname: str, error: BaseException | str) -> ResultDict:
    """A failed result whose message names the host (communet's errors name it already)."""
    text = str(error)
    msg = text if text.startswith(f"{hostname}:") else f"{hostname}: {text}"
    return {"failed": True, "changed": False, "msg": msg}


# ------------------------------------------------------------------------------ many hosts
Report = Callable[[str, ResultDict], None]


def converge_batch(
    requests: Sequence[Request], *, workers: int, processes: int, report_host: Report
) -> None:
    """Every request, the devices concurrently; each host's result reported as it comes.

    Requests that can share a run (same arguments and modes: in a role, all of them) go
    to one :func:`communet.apply.apply_all`. A host that cannot be prepared (not in the
    inventory, a platform communet does not configure) is reported at once.
    """
    groups: dict[tuple[object, ...], list[tuple[Request, Found]]] = {}
    for request in requests:
        try:
            found = resolve_device(request)
        except (CommunetError, OSError, yaml.YAMLError) as error:
            report_host(request.hostname, failure(request.hostname, error))
            continue
        if PLATFORMS[found.device.platform].plan is None:
            report_host(request.hostname, not_configured(found.device))
            continue
        groups.setdefault(request.same_run(), []).append((request, found))
    for members in groups.values():
        _converge_group(members, workers=workers, processes=processes, report_host=report_host)


def _converge_group(
    members: Sequence[tuple[Request, Found]],
    *,
    workers: int,
    processes: int,
    report_host: Report,
) -> None:
    first, found = members[0]  # a group shares its arguments, so its inventory
    by_host = {request.hostname: (request, f.cached) for request, f in members}
    known = first.known_secrets()
    done: set[str] = set()

    def one_done(outcome: Result) -> None:
        request, cached = by_host[outcome.hostname]
        done.add(outcome.hostname)
        report_host(outcome.hostname, masked(report(outcome, request, cached=cached), known))

    try:
        secrets = first.secrets()
        apply_all(
            found.loaded.inventory,
            [f.device for _, f in members],
            secrets,
            first.connector(secrets),
            first.options(workers=workers, processes=processes),
            progress=one_done,
        )
    except (CommunetError, OSError, yaml.YAMLError) as error:  # as the action reports it
        for hostname in by_host.keys() - done:
            report_host(hostname, masked(failure(hostname, error), known))


# ------------------------------------------------------------------------------ results
def report(outcome: Result, request: Request, *, cached: bool) -> ResultDict:
    """The task result of one device's apply (unmasked)."""
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
    elif request.backup_only:
        out["msg"] = f"backup written to {outcome.backup}" if outcome.backup else "no backup_dir"
    elif outcome.changed:
        verb = "to send (check mode: nothing sent)" if request.check else "sent and verified"
        out["msg"] = f"{len(outcome.commands)} lines {verb}"
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


def _reacher(args: Mapping[str, Any]) -> Reacher:
    state_dir = args.get("state_dir") or os.environ.get("COMMUNET_LAB")
    if state_dir:
        return lab_overlay(Path(str(state_dir)).expanduser())
    return direct(Path(str(args["known_hosts"])).expanduser())


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
