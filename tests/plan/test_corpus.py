"""Every config of the real corpus: planned without a traceback, nothing destructive unflagged.

The planner's own guard is not trusted here: an independent reading of the running config
(plain text, no hier_config, no communet.plan.facts) finds the ports that carry something
today (live trunks, bundle members, routed or addressed ports), the address the session
arrives on, the local users and the VLANs in use; then every plan line that would cut one
of them must be covered by a blocking finding that names its interface, or not be planned.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from .real_configs import Entry, Outcome, entries, plan_entry

ENTRIES = entries()


@dataclass
class _Port:
    lines: list[str] = field(default_factory=list)

    def has(self, pattern: str) -> bool:
        return any(re.match(pattern, line) for line in self.lines)

    def value(self, pattern: str) -> str | None:
        return next((m.group(1) for line in self.lines if (m := re.match(pattern, line))), None)


def _blocks(text: str) -> Iterator[tuple[str, list[str]]]:
    """(header, child lines) of every top-level section.

    IOS: a header starts at column 0. VRP: each ``#``-separated block sets its own base
    indent with its first line (some versions print global lines with one leading space).
    """
    header, children, base = "", list[str](), None
    for raw in text.replace("\r\n", "\n").split("\n"):
        line = raw.rstrip()
        if line.strip() in ("#", "!"):
            base = None
            continue
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        if base is None:
            base = 0 if line.lstrip().startswith("interface ") else indent
        if indent <= base:
            if header:
                yield header, children
            header, children = line.strip(), []
        else:
            children.append(line.strip())
    if header:
        yield header, children


def _ports(text: str) -> dict[str, _Port]:
    return {
        h.split()[1]: _Port(c)
        for h, c in _blocks(text)
        if h.startswith("interface ") and len(h.split()) == 2
    }


def _plan_ports(commands: tuple[str, ...]) -> dict[str, list[str]]:
    """Lines typed under each interface header of a plan."""
    out: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in commands:
        if line.startswith("interface "):
            current = out.setdefault(line.split()[1], [])
        elif line[:1] == " " and current is not None:
            current.append(line.strip())
        else:
            current = None
    return out


TRUNK = r"(?:switchport mode trunk|port link-type (?:trunk|hybrid))$"
MEMBER = r"(?:channel-group \d+|eth-trunk \d+)"
NATIVE = r"(?:switchport trunk native vlan|port trunk pvid vlan) (\d+)$"
ADDRESS = r"ip address (\d+\.\d+\.\d+\.\d+) \d"


def _carrying(port: _Port) -> bool:
    """A port something hangs off today (as the config says; link state is not known)."""
    if port.has(r"shutdown$"):
        return False
    return port.has(TRUNK) or port.has(MEMBER) or port.has(r"no switchport$") or port.has(ADDRESS)


# (what the port carries today, a typed line that cuts it)
_CUTTING = (
    (r".", r"shutdown$"),
    (
        TRUNK,
        r"(?:switchport mode access|no switchport mode trunk|port link-type access"
        r"|undo port link-type)",
    ),
    (MEMBER, r"(?:no channel-group|undo eth-trunk)"),
    (r"no switchport$", r"switchport"),
    (ADDRESS, r"(?:no|undo) ip address"),
)


def _cuts(port: _Port, typed: list[str]) -> list[str]:
    """The typed lines that would cut what ``port`` carries."""
    native = port.value(NATIVE) or "1"
    cuts = [
        line
        for line in typed
        for carries, cutting in _CUTTING
        if port.has(carries) and re.match(cutting, line)
    ]
    if port.has(TRUNK):  # a new native VLAN / PVID on a live trunk
        cuts += [line for line in typed if (m := re.match(NATIVE, line)) and m.group(1) != native]
    return cuts


def _flagged(outcome: Outcome, interface: str) -> bool:
    assert outcome.plan is not None
    return any(
        f.blocking and (f.line.startswith(f"interface {interface} >") or f.line == interface)
        for f in outcome.plan.findings
    )


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.file for e in ENTRIES])
def test_a_real_config_is_planned_or_refused_in_one_line(entry: Entry) -> None:
    outcome = plan_entry(entry)  # a traceback fails the test here
    if outcome.plan is None:
        assert outcome.refused.startswith(
            f"{'dinh-hai-sw1' if 'cisco' in entry.platform else 'thanh-son-sw1'}: "
        )
        assert re.search(
            r"front-panel ports|cannot plan: running config line \d+ ", outcome.refused
        )
        return
    running = _ports(entry.text)
    typed = _plan_ports(outcome.plan.commands)
    for name, port in running.items():
        if not _carrying(port) or name not in typed:
            continue  # nothing to cut, or left alone
        cuts = _cuts(port, typed[name])
        assert not cuts or _flagged(outcome, name), (name, cuts, outcome.plan.findings)


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.file for e in ENTRIES])
def test_the_address_the_session_arrives_on_is_never_cut_unflagged(entry: Entry) -> None:
    outcome = plan_entry(entry)
    if outcome.plan is None or not outcome.session_address:
        return
    svi = next(
        name
        for name, port in _ports(entry.text).items()
        if port.value(ADDRESS) == outcome.session_address
    )
    typed = _plan_ports(outcome.plan.commands).get(svi, [])
    cut = [
        line
        for line in typed
        if line == "shutdown"
        or re.match(r"(?:no|undo) ip address", line)
        or ((m := re.match(ADDRESS, line)) and m.group(1) != outcome.session_address)
    ]
    if cut:
        rules = {f.rule for f in outcome.plan.findings if f.blocking}
        assert rules & {"management-path", "port-shut"}, (svi, cut, outcome.plan.findings)


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.file for e in ENTRIES])
def test_no_vlan_in_use_is_deleted_and_a_login_always_remains(entry: Entry) -> None:
    outcome = plan_entry(entry)
    if outcome.plan is None:
        return
    commands = [line.strip() for line in outcome.plan.commands]
    used = {
        port.value(r"(?:switchport access vlan|port default vlan) (\d+)$")
        for port in _ports(entry.text).values()
        if not port.has(r"shutdown$")
    }
    deleted = {m.group(1) for c in commands if (m := re.match(r"(?:no|undo) vlan (\d+)$", c))}
    if deleted & used:
        assert any(
            f.rule in ("vlan-in-use", "delete-vlan", "undo-vlan") for f in outcome.plan.findings
        )
    users = set(re.findall(r"^\s*(?:username|local-user) (\S+) ", entry.text, re.M))
    removed = {
        m.group(1) for c in commands if (m := re.match(r"(?:no username|undo local-user) (\S+)", c))
    }
    added = {m.group(1) for c in commands if (m := re.match(r"(?:username|local-user) (\S+) ", c))}
    if users and users <= removed and not added:
        assert any(f.rule == "last-user" for f in outcome.plan.findings)
    assert "admin" not in removed  # the login the session runs as


def test_the_corpus_is_the_one_the_issue_asks_for() -> None:
    assert len(ENTRIES) >= 40
    assert {e.platform for e in ENTRIES} == {"cisco_ios", "huawei_vrp", "huawei_vrpv8"}
