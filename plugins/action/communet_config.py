"""Ansible action ``communet_config``: converge one device with communet's apply engine.

Runs on the controller, in the worker Ansible forks for the host, and does exactly what
``communet apply HOST`` does (:func:`communet.apply.apply_device`: backup, plan, lint gate,
trial push, verify, confirm, save, rollback), with one SSH session per device. Nothing is
copied to or executed on a target: the hosts have ``ansible_connection=local``.

Where things come from:

- **Inventory**: the host's ``inventory_file`` (the ``*.communet.yml`` file Ansible parsed;
  its ``path`` option names the inventory directory), or the ``inventory`` task argument.
  Loading a province costs ~0.01 s (demo) to ~0.2 s (2,200 devices), and importing communet
  and netmiko ~1.5 s, so neither may happen per host: Ansible forks a worker per host and
  task *after* the linear/free strategy has imported this module in the parent
  (``action_loader.get(..., class_only=True)``). The import below therefore loads every
  communet inventory source of the run into :data:`_INVENTORIES` once, in the parent, and
  every forked worker inherits it (the result's ``inventory_cache`` says ``inherited``).
- **Lab or real devices**: ``state_dir`` (or ``$COMMUNET_LAB``) names a running lab's state
  directory, whose ``lab.json`` maps each hostname to its 127.x address, port and host key
  (:func:`communet.connect.lab_overlay`); otherwise the management address and the
  operator's ``known_hosts`` (:func:`communet.connect.direct`).
- **Secrets**: ``env:NAME`` references from the controller's environment, ``vault:name``
  references from the ``secrets`` task argument (a mapping filled from Ansible Vault
  variables, declared ``no_log``). Every value returned (message, commands, diff) is masked
  by the engine and masked again here against every secret value this task knows.
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from ansible.plugins.action import ActionBase

from communet.apply import Options, Result, apply_device
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
    SecretError,
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


@dataclass(frozen=True)
class Loaded:
    """One communet inventory, indexed by hostname."""

    inventory: LoadedInventory
    devices: Mapping[str, ResolvedDevice]


# Config file (resolved) → loaded inventory; filled in the parent at import, inherited by forks.
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
    key = source.resolve()
    cached = _INVENTORIES.get(key)
    if cached is not None:
        return cached, True
    root = inventory_root(key) if key.is_file() else key
    inventory = load_inventory(root)
    loaded = Loaded(inventory, {d.hostname: d for d in inventory.devices})
    _INVENTORIES[key] = loaded
    return loaded, False


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


def preload() -> None:
    """Load every communet inventory of the run now (in the parent, before any fork)."""
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
    them (measured on the demo lab: the action's own CPU per no-change device fell from ~0.11 s to
    ~0.045 s).
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


preload()


# ------------------------------------------------------------------------------ the action
class ActionModule(ActionBase):  # type: ignore[misc]
    """``communet_config``: plan, and unless in check mode push, one device's config."""

    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = False

    def run(
        self, tmp: str | None = None, task_vars: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        task_vars = task_vars or {}
        result: dict[str, Any] = super().run(tmp, task_vars)
        validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        del validation  # errors raise AnsibleActionFail before this line
        vault = {str(k): str(v) for k, v in (args["secrets"] or {}).items() if v not in (None, "")}
        secrets = EnvVaultResolver(vault=vault)
        known = [Secret(f"vault:{k}", v) for k, v in vault.items()]
        hostname = str(task_vars.get("inventory_hostname", ""))
        try:
            out = self._converge(hostname, args, task_vars, secrets)
        except (CommunetError, OSError, yaml.YAMLError) as error:
            text = str(error)  # communet's errors name the host already; others get it here
            msg = text if text.startswith(f"{hostname}:") else f"{hostname}: {text}"
            if isinstance(error, SecretError) and error.ref.startswith("vault:"):
                name = error.ref.removeprefix("vault:")
                msg += (
                    f"\n    ansible: the task's 'secrets' has no {name!r}; the roles pass "
                    f"baseline_secrets, where {name} comes from the variable vault_{name}"
                )
            out = {"failed": True, "changed": False, "msg": msg}
        result.update(_masked(out, known + _env_secrets()))
        return result

    def _converge(
        self,
        hostname: str,
        args: dict[str, Any],
        task_vars: Mapping[str, Any],
        secrets: EnvVaultResolver,
    ) -> dict[str, Any]:
        started = time.process_time()
        source = args.get("inventory") or task_vars.get("inventory_file")
        if not source:
            raise CommunetError(
                "the host does not come from a communet inventory (no inventory_file); "
                "use '-i inventory/NAME.communet.yml' or pass 'inventory: DIR'"
            )
        loaded, cached = load(Path(str(source)))
        device = loaded.devices.get(hostname)
        if device is None:
            raise CommunetError(f"not in the communet inventory {source}")
        if PLATFORMS[device.platform].plan is None:
            return {
                "changed": False,
                "skipped": True,
                "msg": f"platform {device.platform} is not configured by communet_config",
            }
        check = bool(self._play_context.check_mode)
        backup_only = args["mode"] == "backup"
        options = Options(
            check=check or backup_only,
            force=bool(args["force"]) or backup_only,
            save=bool(args["save"]),
            trial_minutes=int(args["trial_minutes"]),
            verify_reconnect=bool(args["verify_reconnect"]),
            workers=1,
            backup_dir=Path(args["backup_dir"]) if args.get("backup_dir") else None,
        )
        plan = next(p for p in loaded.inventory.plans if p.province.slug == device.province)
        intended = render_device(plan, device, secrets)
        username = secrets.resolve(device.credentials.username, hostname).reveal()
        timeouts = Timeouts(connect=float(args["connect_timeout"]))
        connect = netmiko_connector(_reacher(args), secrets, timeouts)
        outcome = apply_device(device, intended, connect, options, login_user=username)
        out = _report(outcome, backup_only=backup_only, check=check)
        if self._play_context.diff and outcome.commands:
            out["diff"] = {"prepared": _prepared(outcome)}
        out["inventory_cache"] = "inherited" if cached else "loaded"
        out["cpu_seconds"] = round(time.process_time() - started, 4)
        return out


def _reacher(args: Mapping[str, Any]) -> Reacher:
    state_dir = args.get("state_dir") or os.environ.get("COMMUNET_LAB")
    if state_dir:
        return lab_overlay(Path(str(state_dir)).expanduser())
    return direct(Path(str(args["known_hosts"])).expanduser())


def _report(outcome: Result, *, backup_only: bool, check: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "changed": outcome.changed and not backup_only,
        "failed": outcome.failed,
        "commands": list(outcome.commands),
        "backup": outcome.backup,
        "rolled_back": outcome.rolled_back,
        "findings": list(outcome.findings),
        "seconds": outcome.seconds,
    }
    if backup_only:
        out["drift"] = bool(outcome.commands)
    if outcome.failed:
        out["msg"] = outcome.error
    elif backup_only:
        out["msg"] = f"backup written to {outcome.backup}" if outcome.backup else "no backup_dir"
    elif outcome.changed:
        verb = "to send (check mode: nothing sent)" if check else "sent and verified"
        out["msg"] = f"{len(outcome.commands)} lines {verb}"
    else:
        out["msg"] = "in the intended state"
    return out


def _prepared(outcome: Result) -> str:
    """The device diff (running → intended) and the exact lines that are (or would be) sent."""
    lines = [
        outcome.diff.rstrip("\n"),
        f"# {len(outcome.commands)} commands for {outcome.hostname}:",
    ]
    lines += [f"  {command}" for command in outcome.commands]
    return "\n".join(lines) + "\n"


def _env_secrets() -> list[Secret]:
    """Credentials this task may have read from the environment (masked in every output)."""
    names = ("COMMUNET_PASSWORD", "COMMUNET_ENABLE")
    return [Secret(f"env:{n}", os.environ[n]) for n in names if os.environ.get(n)]


def _masked(value: Any, known: Iterable[Secret]) -> Any:
    """``value`` with every known secret value (4+ characters) replaced by ``********``."""
    secrets = [s.reveal() for s in known if len(s.reveal()) >= 4]
    return _mask_value(value, secrets)


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
