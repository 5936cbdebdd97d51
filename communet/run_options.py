"""One schema for the options of a convergence run, for both interfaces.

``communet plan``/``communet apply`` (click) and the Ansible action ``communet.network.config``
(argument_spec, module documentation) are generated from :data:`SCHEMA`, so a default, a
bound or a description cannot drift between them (tests/test_run_options.py regenerates the
module file and compares). Each option knows its name in each interface; every message about
an option names it the way the user in that interface typed it (``--trial-minutes`` on the
command line, ``trial_minutes`` in a task).

Pure data and pure functions: no click, no Ansible imported here (the CLI builds its click
options from :func:`cli_specs`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from communet.errors import CommunetError

Interface = Literal["cli", "ansible"]
Kind = Literal["bool", "int", "float", "str", "path", "dict"]

SAME: Any = object()  # a CLI default equal to the Ansible one
TRIAL_MINUTES = (1, 60)  # IOS 'revert timer' accepts 1-120; 60 covers every platform's trial


@dataclass(frozen=True)
class RunOption:
    """One option of a convergence run."""

    name: str  # the Ansible argument (and the key in a values mapping)
    kind: Kind
    help: str  # one line: CLI help and the first line of the module documentation
    default: Any = None
    more: tuple[str, ...] = ()  # further paragraphs of the module documentation
    flag: str | None = None  # the CLI option; None: Ansible only
    ansible: bool = True  # False: CLI only
    cli_help: str = ""  # when the CLI flag says it differently (--no-save)
    cli_default: Any = SAME  # when the CLI's default differs (and says why in `more`)
    choices: tuple[str, ...] = ()
    bounds: tuple[float, float] | None = None
    no_log: bool = False
    apply_only: bool = False  # not offered by 'communet plan' (which never changes anything)

    def named(self, interface: Interface) -> str:
        """How the user of ``interface`` writes this option."""
        if interface == "cli" and self.flag:
            return self.flag
        return self.name


SCHEMA: tuple[RunOption, ...] = (
    RunOption(
        "inventory",
        "path",
        "The communet inventory directory (or an Ansible *.communet.yml source file).",
        more=(
            "In Ansible, defaults to the inventory source the host came from (C(inventory_file)).",
            "On the command line, C(--inventory), else the environment variable "
            "E(COMMUNET_INVENTORY), else C(inventory) in the project's C(communet.toml); never "
            "a built-in default.",
        ),
        flag="--inventory",
        cli_help="Inventory directory (else $COMMUNET_INVENTORY, else 'inventory' in the "
        "project's communet.toml).",
    ),
    RunOption(
        "mode",
        "str",
        "What to do: apply converges the device; backup writes the masked backup only; "
        "adopt moves a brownfield device onto its intended management path.",
        default="apply",
        more=(
            "V(apply) converges the device (or, with C(--check), only reports what it would send).",
            "V(backup) fetches the running configuration and writes the masked pre-change "
            "backup to O(backup_dir) only; it reports drift in RV(drift) and never changes "
            "anything.",
            "V(adopt) is C(communet adopt) for a device with C(reach) in the inventory (where "
            "and as whom it answers today): over today's session it converges everything but "
            "the management path under the trial commit, proves a new session on the intended "
            "address with the intended credentials and the host key the device proved on its "
            "old address (added to O(known_hosts) for the new address), removes the old path "
            "over that session, then confirms and saves; any failure rolls back. A device "
            "without C(reach) is skipped. With C(--check), only reports the stages.",
            "On Huawei VRP5 and VRPv8 (no trial commit that another session can confirm) the "
            "same stages run make-before-break: the new path is added over today's session and "
            "proven before the old one goes, each stage kept (VRPv8: C(commit trial), then "
            "C(commit) in the session that committed it) or undone on its own over a session "
            "that still answers; see docs/brownfield.md.",
        ),
        choices=("apply", "backup", "adopt"),
    ),
    RunOption(
        "state_dir",
        "path",
        "State directory of a running communet lab: devices are reached there.",
        more=(
            "Its C(lab.json) maps each hostname to its lab address, port and host key.",
            "In Ansible, defaults to the environment variable E(COMMUNET_LAB); without either, "
            "devices are reached on their management address.",
        ),
        flag="--lab",
    ),
    RunOption(
        "known_hosts",
        "path",
        "OpenSSH known_hosts of the real devices (host keys are always verified).",
        default="~/.ssh/known_hosts",
        more=(
            "Not used with a lab. The command line never uses C(~/.ssh/known_hosts) "
            "implicitly: it asks for C(--known-hosts) or C(--lab).",
        ),
        flag="--known-hosts",
        cli_default=None,
    ),
    RunOption(
        "backup_dir",
        "path",
        "Where the masked pre-change backup is written (PROVINCE/HOST/TIME.cfg).",
        more=("The command line defaults to C(backups) in the working directory.",),
        flag="--backup-dir",
        cli_default="backups",
        apply_only=True,
    ),
    RunOption(
        "force",
        "bool",
        "Push plans that the lint finds destructive (still under a trial commit).",
        default=False,
        flag="--force",
        apply_only=True,
    ),
    RunOption(
        "save",
        "bool",
        "Save the configuration after a verified change.",
        default=True,
        flag="--no-save",  # a CLI flag turns its bool away from the default
        cli_help="Leave the change unsaved (the startup configuration untouched).",
        apply_only=True,
    ),
    RunOption(
        "trial_minutes",
        "int",
        "Minutes before an unconfirmed change reverts by itself (1 to 60).",
        default=5,
        flag="--trial-minutes",
        bounds=TRIAL_MINUTES,
        apply_only=True,
    ),
    RunOption(
        "connect_timeout",
        "float",
        "Seconds for each of TCP connect, SSH banner and authentication.",
        default=10.0,
        flag="--connect-timeout",
        bounds=(0.5, 300.0),
    ),
    RunOption(
        "verify_reconnect",
        "bool",
        "After the push, prove that a new management session still gets in.",
        default=True,
    ),
    RunOption(
        "secrets",
        "dict",
        "Values of the inventory's vault:NAME references, keyed by NAME.",
        default={},
        more=(
            "Usually from the secrets file (C(vault_NAME: value) lines, encrypted with "
            "ansible-vault) passed as C(-e @FILE): for example C(snmp_user) set to "
            "C({{ vault_snmp_user }}). Empty values are ignored. Never logged.",
            "The command line reads the same file with C(--secrets FILE).",
        ),
        no_log=True,
    ),
    RunOption(
        "secrets_file",
        "path",
        "Secrets file: vault_NAME: value lines (the same file as ansible-playbook -e @FILE).",
        flag="--secrets",
        ansible=False,
    ),
    RunOption(
        "workers",
        "int",
        "Concurrent SSH sessions in all.",
        default=20,
        flag="--workers",
        ansible=False,
        bounds=(1, 200),
    ),
    RunOption(
        "processes",
        "int",
        "Processes to plan in (from 40 hosts per process; planning is CPU-bound).",
        flag="--processes",
        ansible=False,
        bounds=(1, 64),
        more=("Default: the number of CPUs.",),
    ),
)

BY_NAME = {option.name: option for option in SCHEMA}


class OptionError(CommunetError):
    """An option's value is out of its bounds; the message names it as the user wrote it."""


def argument_spec() -> dict[str, dict[str, Any]]:
    """The Ansible argument_spec of ``communet.network.config``."""
    spec: dict[str, dict[str, Any]] = {}
    for option in SCHEMA:
        if not option.ansible:
            continue
        entry: dict[str, Any] = {"type": option.kind}
        if option.default is not None:
            entry["default"] = option.default
        if option.choices:
            entry["choices"] = list(option.choices)
        if option.no_log:
            entry["no_log"] = True
        spec[option.name] = entry
    return spec


def module_options_doc() -> dict[str, dict[str, Any]]:
    """The ``options`` section of the module's DOCUMENTATION."""
    doc: dict[str, dict[str, Any]] = {}
    for option in SCHEMA:
        if not option.ansible:
            continue
        entry: dict[str, Any] = {"description": [option.help, *option.more], "type": option.kind}
        if option.default is not None:
            entry["default"] = option.default
        if option.choices:
            entry["choices"] = list(option.choices)
        doc[option.name] = entry
    return doc


@dataclass(frozen=True)
class CliSpec:
    """What the CLI needs to build one click option (click is imported by the CLI only)."""

    name: str
    flag: str
    kind: Kind
    help: str
    default: Any
    is_flag: bool
    bounds: tuple[float, float] | None
    choices: tuple[str, ...]


def cli_specs(command: Literal["plan", "apply"]) -> list[CliSpec]:
    """The command-line options of ``command``, in schema order."""
    specs = []
    for option in SCHEMA:
        if option.flag is None or (option.apply_only and command == "plan"):
            continue
        default = option.default if option.cli_default is SAME else option.cli_default
        is_flag = option.kind == "bool"
        specs.append(
            CliSpec(
                option.name,
                option.flag,
                option.kind,
                option.cli_help or option.help,
                default,
                is_flag,
                option.bounds,
                option.choices,
            )
        )
    return specs


def check(values: Mapping[str, Any], interface: Interface) -> None:
    """Raise OptionError naming the first option (as ``interface`` spells it) out of bounds."""
    for option in SCHEMA:
        value = values.get(option.name)
        if option.bounds is None or value is None:
            continue
        low, high = option.bounds
        if not low <= value <= high:
            raise OptionError(
                f"{option.named(interface)} must be between {low:g} and {high:g} (got {value!r})"
            )
