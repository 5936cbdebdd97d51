"""Plans: what to type to bring a device from its running config to the intended one.

A plan is computed offline from two texts (pure): the commands, how to roll them back, the
lint findings that block a destructive push, the running lines left alone because communet
does not own them, and a diff for people (secrets masked by the caller's secret set).
"""

from __future__ import annotations

import ast
import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from hier_config.exceptions import DuplicateChildError

from communet.errors import CommunetError
from communet.plan import guard
from communet.plan.diff import LIST_REMOVE, REPLACE, Change, Context, Diff, Planner, predict
from communet.plan.facts import facts, ports_of, with_links
from communet.plan.tree import Node, parse, render
from communet.platforms import get_platform
from communet.platforms.spec import PlatformSpec
from communet.secrets import Secret, mask_secrets

__all__ = ["Context", "LintFinding", "Plan", "PlanError", "plan_config"]


class PlanError(CommunetError):
    """A configuration the planner cannot read: names the host, the line and why."""

    def __init__(self, host: str, which: str, line: int | None, text: str, reason: str) -> None:
        self.host = host
        self.line = line
        where = f"{which} config line {line}" if line else f"{which} config"
        shown = f" {text!r}" if text else ""
        super().__init__(
            f"{host}: cannot plan: {where}{shown}: {reason}; nothing was changed on this device"
        )


@dataclass(frozen=True)
class LintFinding:
    """A destructive line in a plan; it blocks the push unless forced."""

    rule: str
    line: str
    reason: str
    safe_form: str = ""
    blocking: bool = True  # False: a warning; the push goes on

    def render(self) -> str:
        text = f"{self.rule}: {self.line!r}: {self.reason}"
        text = text if self.blocking else "warning: " + text
        return text + (f" (prefer: {self.safe_form})" if self.safe_form else "")


@dataclass(frozen=True)
class Plan:
    hostname: str
    platform: str
    changes: tuple[Change, ...]
    commands: tuple[str, ...]
    rollback: tuple[str, ...]
    findings: tuple[LintFinding, ...]
    unmanaged: tuple[str, ...]
    protected: tuple[str, ...]
    before: str
    after: str

    @property
    def changed(self) -> bool:
        return bool(self.commands)

    @property
    def blocking(self) -> tuple[LintFinding, ...]:
        """The findings that stop a push unless forced (warnings do not)."""
        return tuple(f for f in self.findings if f.blocking)

    def masked(self, lines: Iterable[str], secrets: Iterable[Secret] = ()) -> list[str]:
        lines = list(lines)
        if not lines:
            return []
        return mask_secrets(self.platform, "\n".join(lines), secrets).split("\n")

    def diff(self, secrets: Sequence[Secret] = ()) -> str:
        """Unified diff of the running config and the predicted result, secrets masked."""
        lines = difflib.unified_diff(
            self.before.splitlines(),
            self.after.splitlines(),
            f"{self.hostname} (running)",
            f"{self.hostname} (intended)",
            lineterm="",
        )
        return mask_secrets(self.platform, "\n".join(lines), secrets)


def plan_config(
    hostname: str, platform: str, running: str, intended: str, context: Context | None = None
) -> Plan:
    """The plan from ``running`` to ``intended``; :class:`PlanError` if either cannot be read."""
    spec = get_platform(platform)
    context = context or Context()
    planner = Planner(spec, context)
    running_tree = _parsed(hostname, spec, "running", running)
    intended_tree = _parsed(hostname, spec, "intended", intended, cached=True)
    state = spec.plan.state if spec.plan else None
    ports = with_links(ports_of(spec, state, running_tree), context.links_up) if state else {}
    notes: tuple[str, ...] = ()
    left: frozenset[str] = frozenset()
    # restoring a backup, every port goes back as it was: nothing is left alone, or a live
    # trunk the failed push made would hide from the check that the restore is complete
    if state is not None and not context.restore:
        fitted = guard.fit_intended(spec, ports, intended_tree, state)
        intended_tree, notes, left = fitted.intended, fitted.notes, fitted.left
    result: Diff = planner.diff(running_tree, intended_tree)
    changes = result.effective
    before = render(running_tree, _indent(spec))
    predicted = predict(planner, running_tree, changes) if changes else running_tree
    after = render(predicted, _indent(spec)) if changes else before
    findings = lint(spec, planner, changes, running_tree)
    if state is not None and changes:
        before_facts = facts(platform, running_tree, ports)
        after_facts = facts(platform, predicted)
        assert before_facts is not None  # a platform with state rules
        assert after_facts is not None
        where = guard.GuardContext(
            context.login_user, context.session_address, context.mgmt_vlan, context.noc_networks
        )
        hits = guard.judge(before_facts, after_facts, changes, state, where)
        seen = {(f.rule, f.line) for f in findings}
        if context.console:
            hits = [hit for hit in hits if hit.hazard.name not in guard.OFF_PATH_SAFE]
        extra = (_from_hit(spec, hit) for hit in hits)
        findings += [f for f in extra if (f.rule, f.line) not in seen]
    return Plan(
        hostname=hostname,
        platform=platform,
        changes=tuple(changes),
        commands=tuple(commands_for(spec, changes)),
        rollback=tuple(rollback_for(spec, changes)),
        findings=tuple(findings),
        unmanaged=tuple(
            masked_path(platform, line)
            for line in (*notes, *(u for u in result.unmanaged if u not in left))
        ),
        protected=tuple(masked_path(platform, line) for line in result.protected),
        before=before,
        after=after,
    )


def _from_hit(spec: PlatformSpec, hit: guard.Hit) -> LintFinding:
    hazard = hit.hazard
    return LintFinding(
        hazard.name,
        masked_path(spec.name, hit.line),
        masked_path(spec.name, f"{hazard.reason} ({hit.detail})"),
        hazard.safe_form,
        hazard.blocking,
    )


def masked_path(platform: str, text: str) -> str:
    """``line vty 0 4 > password 7 X``: each line of a path (or a '; ' list) masked alone."""
    parts = [
        " > ".join(mask_secrets(platform, step) for step in part.split(" > "))
        for part in text.split("; ")
    ]
    return "; ".join(parts)


def _parsed(host: str, spec: PlatformSpec, which: str, text: str, *, cached: bool = False) -> Node:
    try:
        return _parsed_intended(spec.name, text) if cached else parse(spec, text)
    except DuplicateChildError as error:
        line, shown, section = _duplicate_at(text, str(error))
        reason = f"the same line twice in the section {section!r}" if section else "a duplicate"
        reason += " (hier_config cannot hold it; check the indentation there)"
        raise PlanError(host, which, line, mask_secrets(spec.name, shown), reason) from error
    except (ValueError, TypeError, KeyError, IndexError) as error:  # hier_config's own limits
        raise PlanError(host, which, None, "", mask_secrets(spec.name, str(error))) from error


def _duplicate_at(text: str, message: str) -> tuple[int | None, str, str]:
    """Where hier_config's duplicate is: (line number, the line, its section path)."""
    try:
        path = ast.literal_eval(message.partition(": ")[2])
    except (ValueError, SyntaxError):
        return None, "", ""
    if not isinstance(path, tuple) or not path:
        return None, "", ""
    wanted = [str(p).strip() for p in path]
    section = " > ".join(wanted[:-1])
    seen = 0
    depth = 0
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if depth < len(wanted) - 1 and stripped == wanted[depth]:
            depth += 1
            continue
        if depth == len(wanted) - 1 and stripped == wanted[-1]:
            seen += 1
            if seen == 2:  # the duplicate is the second one
                return number, stripped, section
    return None, wanted[-1], section


@lru_cache(maxsize=128)
def _parsed_intended(platform: str, text: str) -> Node:
    """A device's intended tree, parsed once for its plan and again for its verification."""
    return parse(get_platform(platform), text)


def _indent(spec: PlatformSpec) -> str:
    return spec.syntax.indent if spec.syntax else " "


def _exit(spec: PlatformSpec) -> str:
    return spec.syntax.block_exit[0] if spec.syntax and spec.syntax.block_exit else ""


Block = tuple[tuple[str, ...], list[Node]]


def _blocks(pairs: Iterable[tuple[tuple[str, ...], Node]]) -> list[Block]:
    """Consecutive nodes under the same section path, in order."""
    blocks: list[Block] = []
    for path, node in pairs:
        if blocks and blocks[-1][0] == path:
            blocks[-1][1].append(node)
        else:
            blocks.append((path, [node]))
    return blocks


def _emit(spec: PlatformSpec, pairs: Iterable[tuple[tuple[str, ...], Node]]) -> list[str]:
    """Lines to type: each block's section headers, its nodes, then one exit per header."""
    indent, exit_line = _indent(spec), _exit(spec)
    lines: list[str] = []
    for path, nodes in _blocks(pairs):
        lines += [indent * depth + header for depth, header in enumerate(path)]
        for node in nodes:
            lines += _node_lines(node, len(path), indent, exit_line)
        if exit_line:
            lines += [indent * depth + exit_line for depth in reversed(range(len(path)))]
    return lines


def _node_lines(node: Node, depth: int, indent: str, exit_line: str) -> list[str]:
    lines = [indent * depth + node.text]
    for child in node.children:
        lines += _node_lines(child, depth + 1, indent, exit_line)
    if node.children and exit_line:
        lines.append(indent * depth + exit_line)
    return lines


def commands_for(spec: PlatformSpec, changes: Sequence[Change]) -> list[str]:
    return _emit(spec, ((c.path, c.node) for c in changes))


def rollback_for(spec: PlatformSpec, changes: Sequence[Change]) -> list[str]:
    """Undo every change, last first."""
    return _emit(spec, ((c.path, undo) for c in reversed(changes) for undo in c.undo))


def lint(
    spec: PlatformSpec, planner: Planner, changes: Sequence[Change], running: Node
) -> list[LintFinding]:
    """Destructive lines (the platform's lint rules) and changes to the management path."""
    findings: list[LintFinding] = []
    for change in changes:
        if change.kind == LIST_REMOVE:
            continue  # only ids outside the intended list: the managed VLANs stay
        section = _section_lines(running, change.path)
        for line in render(Node("", (change.node,))).splitlines():
            for rule in spec.lint_hits(line):
                if rule.only_when_replacing and change.kind != REPLACE:
                    continue
                if rule.exempt_in(section):
                    continue
                findings.append(LintFinding(rule.name, line.strip(), rule.reason, rule.safe_form))
        extends = change.node.text.startswith(change.replaces + " ")  # only adds attributes
        if (
            change.kind == REPLACE
            and not extends
            and planner.is_guarded(change.path, change.replaces)
        ):
            findings.append(
                LintFinding(
                    "management-path",
                    change.node.text,
                    f"replaces {change.replaces!r}, which the management session runs through",
                    "change it from the console, or force it with the trial commit armed",
                )
            )
    return [_masked_finding(spec, f) for f in findings]


def _section_lines(root: Node, path: tuple[str, ...]) -> tuple[str, ...]:
    """The running lines directly under ``path`` (none when the section is new)."""
    node: Node | None = root
    for text in path:
        node = next((c for c in node.children if c.text == text), None) if node else None
    return tuple(c.text for c in node.children) if node is not None and path else ()


def _masked_finding(spec: PlatformSpec, finding: LintFinding) -> LintFinding:
    return LintFinding(
        finding.rule,
        masked_path(spec.name, finding.line),
        masked_path(spec.name, finding.reason),
        finding.safe_form,
    )
