"""``communet plan`` / ``apply`` over real SSH on EVERY config of the corpus, in one lab.

One inventory is generated with an access switch per corpus config (its platform, its own
login by vault reference, its management address where the config gives it one: where it is
reached today and stays), one lab runs them all, every config is loaded into its device,
and the CLI (in-process, the production path: netmiko sessions over SSH to the lab) plans
and applies the whole district at once, its sessions concurrent. Then, per config:

- *converges*: ``apply`` succeeded; a second ``plan`` is empty; the device still answers on
  its management address; no port that carried something when the config was loaded (up
  trunk, bundle member, routed port) went down or changed mode at any point of the session
  (the lab's per-interface history);
- *refuses*: ``apply`` stopped on blocking findings and pushed nothing (the running config
  is what was loaded); then ``apply --force`` runs with the trial commit armed, and the
  device must still answer afterwards (*forced*: converged, or rolled back to the loaded
  config);
- *fails*: the one-line reason (no SSH login the config allows, no address, a layout the
  device does not fit, ...) and the device is unchanged.

Used by tests/apply/test_corpus_apply.py and tools/brownfield_table.py (the table in
docs/brownfield.md is generated from this run).
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner

from communet.lab import DeviceSpec, Lab, specs_from_inventory
from communet.lab.core import Device, PortState
from communet.lab.runtime import make_device
from communet.lab.server import Credentials
from communet_cli.main import cli
from tests.lab.corpus import RealConfig, real_configs
from tests.lab.test_real_configs import (
    ENABLE,
    LINE,
    LOGINS,
    PLAIN,
    REFUSED,
    UNREACHABLE,
    USER,
    cipher_secrets,
)
from tests.lab.test_rendered_configs import running

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "inventory" / "demo"
VAULT = {"snmp_user": "noc", "snmp_auth_key": "AuthKey2024x", "snmp_priv_key": "PrivKey2024x"}
DISTRICT = "corpus"


@dataclass
class Row:
    """One config's run: what each step returned and what the lab saw."""

    config: RealConfig
    hostname: str
    management: str  # "" when the config gives no live address
    plan: dict[str, Any] = field(default_factory=dict)
    apply: dict[str, Any] = field(default_factory=dict)
    replan: dict[str, Any] = field(default_factory=dict)
    forced: dict[str, Any] = field(default_factory=dict)
    unchanged_after_apply: bool = False  # running config as loaded after a refused/failed apply
    unchanged_after_forced: bool = False
    answering_before: bool = False  # the device answers on its management address when loaded
    answering_after: bool = False  # ... and at the end of the run
    live_ports: tuple[str, ...] = ()  # up trunks, bundle members, routed ports when loaded
    cut_ports: tuple[str, ...] = ()  # live ports down or re-moded at any point of the apply
    cut_when_forced: tuple[str, ...] = ()  # ... up to the end of the forced apply
    reverted: bool = False  # the forced apply left a trial commit armed: it ran out
    console: str = ""  # the lab console's pty, when the config gives communet no SSH
    ssh_refusal: str = ""  # why SSH did not let communet in (then the console did the run)

    @property
    def transport(self) -> str:
        return "console" if self.console else "ssh"

    @property
    def converged(self) -> bool:
        """The last apply left nothing to do: the second plan is empty."""
        return not self.replan.get("failed", True) and not self.replan.get("commands")

    @property
    def outcome(self) -> str:
        if self.apply.get("blocked"):
            return "refuses"
        if self.apply.get("failed"):
            return "fails"
        return "converges"

    @property
    def hazards(self) -> list[str]:
        """The rules of the blocking findings (rendered ``rule: line: reason``; warnings
        start with ``warning:``)."""
        found = (f.split(":", 1)[0] for f in self.apply.get("findings", ()))
        return sorted({rule for rule in found if rule != "warning"})

    @property
    def forced_outcome(self) -> str:
        if not self.forced:
            return ""
        if not self.forced.get("failed"):
            return "converges"
        if self.forced.get("blocked"):
            return "not forced"  # the engine refused to force it (no trial commit)
        return "rolled back" if self.forced.get("rolled_back") else "fails"


def host_of(index: int) -> str:
    return f"real-{index:02d}"


def own_address(config: RealConfig) -> str:
    """Where the loaded config makes the device reachable today (the lab's reading)."""
    device = make_device(DeviceSpec(hostname="probe", platform=config.platform), Credentials())
    device.load_config(config.text)
    found = device.management_addresses()
    return str(found[0]) if found else ""


_PHYSICAL = re.compile(r"^interface ((?:Fast|Gigabit)?Ethernet[\d/]+)$", re.M)
_DEFAULT_ROUTE = re.compile(
    r"^ip route(?:-static)? 0\.0\.0\.0 0\.0\.0\.0 (\d+\.\d+\.\d+\.\d+)", re.M
)


_ROUTER_MODEL = re.compile(r"\brouter\b|\bISR\b|\bAR\d{3,4}\b", re.I)


def is_router(config: RealConfig) -> bool:
    """The corpus index says so: its model names a router, or a router family (Cisco ISR,
    Huawei AR)."""
    return bool(_ROUTER_MODEL.search(config.model))


def router_ports(config: RealConfig) -> dict[str, str]:
    """What a province engineer reading this router's config declares: the uplink is the
    port in the subnet of the default route's next hop (else the first port), the LAN the
    next port."""
    text = config.text
    names = _PHYSICAL.findall(text)
    uplink = names[0] if names else ""
    hop = _DEFAULT_ROUTE.search(text)
    for name in names if hop else ():
        section = re.search(rf"^interface {re.escape(name)}\n((?:[ \t].*\n)*)", text, re.M)
        found = re.search(r"ip address (\S+) (\S+)", section.group(1)) if section else None
        if (
            found
            and hop
            and IPv4Address(hop.group(1))
            in IPv4Network(f"{found.group(1)}/{found.group(2)}", strict=False)
        ):
            uplink = name
    lan = next((n for n in names if n != uplink), "")
    return {"uplink": uplink, "lan": lan} if uplink and lan else {}


# name → the ports a province engineer declares for a switch whose port count falls between
# two access layouts, as the planner's one-line error tells them to (the largest layout that
# fits; the uplink read off the config by hand: its description says where it goes).
DECLARED_PORTS: dict[str, dict[str, str]] = {
    # eNSP's S3700: Ethernet0/0/1-22 + GigabitEthernet0/0/1-2; Ethernet0/0/1 is
    # "Uplink_To_Agg_SW2_g0/0/2"
    "huangxuxiao--mkt-switch-s3700": {"layout": "access16", "uplink": "Ethernet0/0/1"},
}


def session_svi(config: RealConfig, address: str) -> int | None:
    """The VLAN of the SVI that carries ``address`` in the config (None: not an SVI)."""
    pattern = (
        r"^interface (?:Vlan|Vlanif)(\d+)\n(?:[ \t]+.*\n)*?[ \t]+ip address "
        + re.escape(address)
        + " "
    )
    found = re.search(pattern, config.text, re.M)
    return int(found.group(1)) if found else None


def _login(config: RealConfig) -> tuple[str, str]:
    username, password, _ = LOGINS.get(config.name, ("admin", USER, 0))
    return username, password


def console_password(config: RealConfig) -> str:
    """The plaintext a technician types at the console's password prompt: the line password
    of the corpus's placeholders, or the enable secret where the console's AAA login list
    takes the enable password first (``aaa authentication login console enable``; servers
    of a ``group`` method do not answer a console cable in a commune office)."""
    if config.platform != "cisco_ios":
        return PLAIN["huawei_vrp"]["local_user_password"]
    return ENABLE if _console_method(config.text) == "enable" else LINE


def _console_method(text: str) -> str:
    lines = text.splitlines()
    if "aaa new-model" not in lines:
        return "line"
    listed, inside = "default", False
    for line in lines:
        if not line.startswith(" "):
            inside = line.startswith("line con 0")
        elif inside and line.strip().startswith("login authentication "):
            listed = line.split()[-1]
    for line in lines:
        words = line.split()
        if words[:4] == ["aaa", "authentication", "login", listed]:
            methods = iter(words[4:])
            for method in methods:
                if method == "group":
                    next(methods, None)  # the server group's name
                    continue
                return method
            return "line"
    return "line"


def groups(configs: list[RealConfig]) -> list[list[int]]:
    """Config indexes (1-based) split so that no two in a group share a management address
    (the corpus reuses lab addresses such as 192.168.1.1; one inventory refuses that)."""
    out: list[list[int]] = []
    taken: list[set[str]] = []
    for index, config in enumerate(configs, 1):
        address = own_address(config)
        keys = {address, str(IPv4Network(f"{address}/24", strict=False))} if address else set()
        slot = next((i for i, seen in enumerate(taken) if not keys & seen), len(out))
        if slot == len(out):
            out.append([])
            taken.append(set())
        out[slot].append(index)
        taken[slot] |= keys
    return out


def write_inventory(root: Path, configs: list[RealConfig], indexes: list[int]) -> dict[str, str]:
    """The demo province with one district holding a commune per config; its vault."""
    (root / "districts").mkdir(parents=True)
    shutil.copy(DEMO / "province.yml", root / "province.yml")
    vault = dict(VAULT, enable=ENABLE)
    communes = []
    for index in indexes:
        config = configs[index - 1]
        username, password = _login(config)
        vault[f"user_{index:02d}"], vault[f"pass_{index:02d}"] = username, password
        vault[f"console_{index:02d}"] = console_password(config)
        device: dict[str, Any] = {
            "role": "ce_router" if is_router(config) else "access_switch",
            "hostname": host_of(index),
            "platform": config.platform,
            "credentials": {
                "username": f"vault:user_{index:02d}",
                "password": f"vault:pass_{index:02d}",
                "enable": "vault:enable",
            },
        }
        commune: dict[str, Any] = {
            "code": f"{17000 + index}",
            "name": f"Corpus {index:02d}",
            "slug": f"corpus-{index:02d}",
            "tslcd": {"circuit_id": f"TSLCD-CORPUS-{index:02d}", "bandwidth_mbps": 20},
        }
        address = own_address(config)
        if address:
            # Management stays where it is today: the site's own management VLAN and a LAN
            # block around its address (MGMT is the block's first /27), as a province that
            # adopts the commune's existing addressing declares it.
            device["management"] = address
            vlan = session_svi(config, address)
            if vlan is not None and vlan not in (1, 20, 30, 40, 50, 999):  # no reference VLAN
                commune["vlan_ids"] = {"MGMT": vlan}
            block = IPv4Network(f"{address}/24", strict=False)
            if IPv4Address(address) in next(block.subnets(new_prefix=27)):
                commune["lan_block"] = str(block)
        if is_router(config):
            device["ports"] = router_ports(config)
        elif config.name in DECLARED_PORTS:
            device["ports"] = DECLARED_PORTS[config.name]
        commune["devices"] = [device]
        communes.append(commune)
    district = {
        "code": "399",
        "name": "Corpus",
        "kind": "huyen",
        "slug": DISTRICT,
        "coordinates": {"lat": 20.1, "lon": 105.6},
        "communes": communes,
    }
    text = yaml.safe_dump(district, allow_unicode=True, sort_keys=False)
    (root / "districts" / "corpus.yml").write_text(text, "utf-8")
    return vault


def _cli(*args: str) -> list[dict[str, Any]]:
    result = CliRunner().invoke(cli, list(args), env={"LANG": "C.UTF-8"})
    output = result.stdout
    if "Traceback" in output + result.stderr or result.exit_code not in (0, 1):
        raise AssertionError(f"communet {args[0]} ended badly ({result.exit_code}): {output}")
    parsed: list[dict[str, Any]] = json.loads(output)
    return parsed


def _live(state: PortState) -> bool:
    return state.admin_up and (state.mode in ("trunk", "routed") or bool(state.bundle))


def _ports_cut(device: Device) -> tuple[tuple[str, ...], tuple[str, ...]]:
    live, cut = [], []
    for name, states in device.history.states.items():
        first = states[0]
        if not _live(first):
            continue
        live.append(name)
        if any(not s.admin_up or s.mode != first.mode or s.bundle != first.bundle for s in states):
            cut.append(name)
    return tuple(sorted(live)), tuple(sorted(cut))


@dataclass(frozen=True)
class Group:
    inventory: Path
    secrets: Path
    hosts: tuple[str, ...]


@contextmanager
def corpus_lab(state: Path, configs: list[RealConfig]) -> Iterator[tuple[Lab, list[Group]]]:
    """One lab for every config; an inventory per group of configs (see :func:`groups`)."""
    made: list[Group] = []
    specs: list[DeviceSpec] = []
    for number, indexes in enumerate(groups(configs)):
        inventory = state / f"inventory-{number}"
        vault = write_inventory(inventory, configs, indexes)
        secrets = state / f"vault-{number}.yml"
        secrets.write_text("".join(f"vault_{k}: {v}\n" for k, v in vault.items()), "utf-8")
        hosts = tuple(host_of(i) for i in indexes)
        specs += [s for s in specs_from_inventory(inventory) if s.hostname in hosts]
        made.append(Group(inventory, secrets, hosts))
    with Lab(specs, network="127.231.0.0/24", state_dir=state / "lab", snmp=False) as lab:
        for index, config in enumerate(configs, 1):
            lab.load_config(host_of(index), config.text, cipher_secrets(config))
        yield lab, made


def run(configs: list[RealConfig] | None = None, state: Path | None = None) -> list[Row]:
    """The whole acceptance run; one Row per config, in corpus order."""
    with tempfile.TemporaryDirectory() as scratch:
        base = state or Path(scratch)
        if configs is None:
            configs = real_configs()
        with corpus_lab(base, configs) as (lab, made):
            return _run(lab, made, base, configs)


def _each(made: list[Group], base: Path, verb: str, *extra: str) -> Iterator[dict[str, Any]]:
    for group in made:
        yield from _cli(verb, DISTRICT, *_common(group, base, verb), *extra)


def _common(group: Group, base: Path, verb: str) -> list[str]:
    common = ["--inventory", str(group.inventory), "--lab", str(base / "lab")]
    common += ["--secrets", str(group.secrets), "--json"]
    if verb == "apply":
        common += ["--backup-dir", str(base / "backups")]
    return common


def _on_console(
    made: list[Group], base: Path, host: str, path: str, verb: str, *extra: str
) -> dict[str, Any]:
    """``communet VERB HOST --console PATH`` as the technician at the cable runs it."""
    group = next(g for g in made if host in g.hosts)
    line = f"vault:console_{host.removeprefix('real-')}"
    console = ["--console", path, "--console-password", line]
    (result,) = _cli(verb, host, *_common(group, base, verb), *console, *extra)
    return result


_NO_SSH = (
    "authentication failed",
    "SSH handshake",
    "no answer on",
    "connection refused",
    "closed the connection before the SSH login",
)


def no_ssh(result: dict[str, Any]) -> bool:
    """The plan over SSH could not log in: the config gives communet no SSH."""
    error = str(result.get("error", ""))
    return bool(result.get("failed")) and any(marker in error for marker in _NO_SSH)


def _run(lab: Lab, made: list[Group], base: Path, configs: list[RealConfig]) -> list[Row]:
    hosts = [host_of(i) for i in range(1, len(configs) + 1)]
    rows = {h: Row(c, h, own_address(c)) for h, c in zip(hosts, configs, strict=True)}
    loaded = {h: lab.call(partial(_running, lab.device(h))) for h in hosts}
    for host, row in rows.items():
        row.answering_before = lab.call(partial(_reachable, lab.device(host), row.management))
    for result in _each(made, base, "plan"):
        rows[result["hostname"]].plan = result
    # No SSH for communet in the config: the technician plugs in the console cable.
    console = {h: r for h, r in rows.items() if no_ssh(r.plan)}
    for host, row in console.items():
        row.ssh_refusal = why_no_ssh(row)
        # where it is managed once converged: the inventory's address (the lab's spec)
        row.management = row.management or str(lab.device(host).spec.management or "")
        row.console = lab.open_console(host, factory=False)
        row.plan = _on_console(made, base, host, row.console, "plan")
    for result in _each(made, base, "apply"):
        if result["hostname"] not in console:
            rows[result["hostname"]].apply = result
    for host, row in console.items():
        row.apply = _on_console(made, base, host, row.console, "apply")
    for host, row in rows.items():
        row.unchanged_after_apply = lab.call(partial(_running, lab.device(host))) == loaded[host]
        row.live_ports, row.cut_ports = lab.call(partial(_ports_cut, lab.device(host)))
    _force_refused(lab, made, base, rows, loaded)
    for result in _each(made, base, "plan"):
        if result["hostname"] not in console:
            rows[result["hostname"]].replan = result
    for host, row in console.items():
        row.replan = _on_console(made, base, host, row.console, "plan")
    for host, row in rows.items():
        row.answering_after = lab.call(partial(_reachable, lab.device(host), row.management))
    return list(rows.values())


def _force_refused(
    lab: Lab, made: list[Group], base: Path, rows: dict[str, Row], loaded: dict[str, str]
) -> None:
    """``apply --force`` on every refused host (over the console where it had no SSH)."""
    console = {h for h, r in rows.items() if r.console}
    # The CLI's scope is one name, so the whole district goes again; hosts that failed fail
    # the same way, only the refused hosts' forced apply counts.
    refused = {h for h, r in rows.items() if r.outcome == "refuses"}
    if refused - console:
        for result in _each(made, base, "apply", "--force"):
            if result["hostname"] in refused and result["hostname"] not in console:
                rows[result["hostname"]].forced = result
    for host in refused & console:
        rows[host].forced = _on_console(made, base, host, rows[host].console, "apply", "--force")
    for host in refused:
        rows[host].reverted = lab.call(partial(_expire_trial, lab.device(host)))
        now = lab.call(partial(_running, lab.device(host)))
        rows[host].unchanged_after_forced = now == loaded[host]
        _, rows[host].cut_when_forced = lab.call(partial(_ports_cut, lab.device(host)))


def _expire_trial(device: Device) -> bool:
    """Let an armed trial commit run out (IOS revert timer, VRPv8 commit trial) as the
    device's own clock would after a lost session; whether one was pending."""
    pending = getattr(getattr(device, "state", None), "revert", None) or getattr(
        device, "trial", None
    )
    if pending is None:
        return False
    clock = device.clock
    device.clock = lambda: clock() + 24 * 3600
    try:
        device.tick()
    finally:
        device.clock = clock
    return True


def _reachable(device: Device, address: str) -> bool:
    """The device answers on ``address`` (its management path) right now."""
    return (
        bool(address)
        and device.answering()
        and IPv4Address(address) in (device.management_addresses())
    )


def _running(device: Device) -> str:
    """The device's running config as a comparable text: without what a trial commit itself
    needs and leaves (IOS's ``archive`` block for ``configure terminal revert timer``), each
    section's lines sorted (a line removed and put back is shown where it was typed by the
    lab; a real VRP prints its canonical order either way)."""
    text = re.sub(r"^archive\n(?: .*\n)*", "", running(device) + "\n", flags=re.M)
    sections: list[list[str]] = []
    for line in text.splitlines():
        if line.strip() in ("", "!", "#"):
            continue
        if line.startswith((" ", "\t")) and sections:
            sections[-1].append(line)
        else:
            sections.append([line])
    return "\n".join(sorted("\n".join([s[0], *sorted(s[1:])]) for s in sections))


# ------------------------------------------------------------------------ the table
HEADER = (
    "| config | platform | reached over | apply as found | hazards / reason | `apply --force` "
    "| live ports kept | management after |\n|---|---|---|---|---|---|---|---|"
)


def why_no_ssh(row: Row) -> str:
    """Why the SSH plan could not log in, without what changes from run to run."""
    error = str(row.plan.get("error", "")).split("\n")[0]
    name = row.config.name
    if name in REFUSED and "closed the connection before the SSH login" in error:
        return f"SSH closed before login: {REFUSED[name]}"
    if name in UNREACHABLE or "authentication failed" not in error:
        # the lab hangs up on an address the config does not carry, as a real device would
        # not answer there at all; the port in the handshake error changes from run to run
        return "SSH not answering: the config gives no live interface an address"
    return f"SSH login refused: {REFUSED.get(name, 'the config allows no login for it')}"


_PTY = re.compile(r"/dev/pts/\d+")
_LAB_PORT = re.compile(r"127\.\d+\.\d+\.\d+:\d+")


def steady(text: str) -> str:
    """``text`` without what changes from run to run: the lab console's pty, the lab's
    address and port of the device's management address."""
    text = re.sub(r"the console at /dev/pts/\d+", "the console", text)
    return _LAB_PORT.sub("its management address", _PTY.sub("the console port", text))


# name → (a phrase of the failure, what the config itself says about it), read off the
# config by hand: why the failure is the honest answer for that file.
FAILURE_CAUSES = {
    # no console password to give: the technician cannot log in either
    "huangxuxiao--ar1-ar2220": (
        "refused the login",
        "its 'user-interface con 0' has 'authentication-mode password' and sets no password "
        "('set authentication password'): there is none to give",
    ),
    # oxidized's test capture was trimmed to a few interfaces; the switch itself lists
    # GigabitEthernet1/0/1-24 and 1/1/1-4, and a plan over it reads all of them
    "ytti--ios-c9200l-24p-4g-17-09-04a-output": (
        "front-panel ports",
        "the capture lists only these of the 9200L-24P-4G's 28 ports (trimmed test output)",
    ),
}


def why_failed(row: Row) -> str:
    """The one-line reason of a failed apply, without what changes from run to run."""
    error = str(row.apply.get("error", "")).split("\n")[0]
    reason = steady(error.removeprefix(f"{row.hostname}: "))
    marker, cause = FAILURE_CAUSES.get(row.config.name, ("", ""))
    return f"{reason}: {cause}" if cause and marker in reason else reason


def cell(text: str) -> str:
    return text.replace("|", "/").replace("\n", " ")


def table_row(row: Row) -> str:
    name = row.config.name
    outcome = row.outcome
    if outcome == "refuses":
        detail = ", ".join(row.hazards)
    elif outcome == "fails":
        detail = why_failed(row)
    else:
        detail = "second plan empty" if row.converged else "second plan NOT empty"
    forced = "–"
    if row.forced:
        if row.forced_outcome == "converges":
            forced = "converges" + (", second plan empty" if row.converged else "")
        else:
            reason = str(row.forced.get("error", "")).removeprefix(f"{row.hostname}: ")
            reason = steady(reason)
            forced = f"{row.forced_outcome}: {reason.split(';')[0]}"
            if row.reverted:
                forced += "; the session was lost and the trial commit reverted the device"
    live = len(row.live_ports)
    kept = f"{live - len(row.cut_ports)}/{live}"
    if row.forced:
        kept += f"; forced: {live - len(row.cut_when_forced)}/{live}"
    if not row.management:
        where = "no address"
    else:
        where = ("answers on " if row.answering_after else "silent on ") + row.management
    via = f"console ({row.ssh_refusal})" if row.console else "SSH"
    return (
        f"| `{name}` | {row.config.platform}{', CE router' if is_router(row.config) else ''} "
        f"| {cell(via)} | {outcome} | {cell(detail)} | {cell(forced)} "
        f"| {kept} | {where} |"
    )


def table(rows: list[Row]) -> str:
    return "\n".join([HEADER, *(table_row(r) for r in rows)]) + "\n"


def _counted(rows: list[Row]) -> str:
    outcomes = Counter(r.outcome for r in rows)
    forced = Counter(r.forced_outcome for r in rows if r.forced)
    failed = Counter(_failure_kind(r) for r in rows if r.outcome == "fails")
    parts = [
        f"{outcomes['converges']} converge",
        f"{outcomes['refuses']} refuse (forced: "
        + ", ".join(f"{n} {k}" for k, n in sorted(forced.items()))
        + ")"
        if outcomes["refuses"]
        else "0 refuse",
        f"{outcomes['fails']} fail ("
        + ", ".join(f"{n} {k}" for k, n in sorted(failed.items()))
        + ")"
        if outcomes["fails"]
        else "0 fail",
    ]
    return ", ".join(parts)


_NOT_PROVEN = "SSH on the management address not proven after the push, rolled back"
# (every phrase a reason holds, its kind), first match wins
_FAILURE_KINDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("sets no password",), "no console password in the config"),
    (("the console", "refused the login"), "console login refused"),
    (("the console", "asks for"), "console login refused"),
    (("trimmed test output",), "a trimmed capture (not all ports listed)"),
    (("fit no access layout",), "too few ports for an access layout"),
    (("front-panel ports",), "too few ports for an access layout"),
    (("the router has",), "router ports not declared"),
    (("closed the connection before the SSH login", "rolled back"), _NOT_PROVEN),
    (("authentication failed", "rolled back"), _NOT_PROVEN),
    (("cannot plan",), "unreadable config"),
)


def _failure_kind(row: Row) -> str:
    reason = why_failed(row)
    return next(
        (kind for phrases, kind in _FAILURE_KINDS if all(p in reason for p in phrases)),
        "push refused by the device, rolled back",
    )


def summary(rows: list[Row]) -> str:
    """The counts the text around the table quotes (checked against the table's run)."""
    console = [r for r in rows if r.console]
    return (
        f"Of the {len(rows)} configs as found ({len(console)} of them with no SSH for "
        f"communet, reached over the console): {_counted(rows)}. Over the console: "
        f"{_counted(console)}."
    )
