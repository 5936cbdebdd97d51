"""Plans: what to type to bring a device from its running config to the intended one.

A plan is computed offline from two texts (pure): the commands, how to roll them back, the
lint findings that block a destructive push, the running lines left alone because communet
does not own them, and a diff for people (secrets masked by the caller's secret set).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from communet.plan.diff import LIST_REMOVE, REPLACE, Change, Context, Diff, Planner, predict
from communet.plan.tree import Node, parse, render
from communet.platforms import get_platform
from communet.platforms.spec import PlatformSpec
from communet.secrets import Secret, mask_secrets

__all__ = ["Context", "LintFinding", "Plan", "plan_config"]


@dataclass(frozen=True)
class LintFinding:
    """A destructive line in a plan; it blocks the push unless forced."""

    rule: str
    line: str
    reason: str
    safe_form: str = ""

    def render(self) -> str:
        text = f"{self.rule}: {self.line!r}: {self.reason}"
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
    spec = get_platform(platform)
    planner = Planner(spec, context or Context())
    running_tree = parse(spec, running)
    result: Diff = planner.diff(running_tree, _parsed_intended(platform, intended))
    changes = result.effective
    before = render(running_tree, _indent(spec))
    after = render(predict(planner, running_tree, changes), _indent(spec)) if changes else before
    return Plan(
        hostname=hostname,
        platform=platform,
        changes=tuple(changes),
        commands=tuple(commands_for(spec, changes)),
        rollback=tuple(rollback_for(spec, changes)),
        findings=tuple(lint(spec, planner, changes)),
        unmanaged=tuple(result.unmanaged),
        protected=tuple(result.protected),
        before=before,
        after=after,
    )


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


def lint(spec: PlatformSpec, planner: Planner, changes: Sequence[Change]) -> list[LintFinding]:
    """Destructive lines (the platform's lint rules) and changes to the management path."""
    findings: list[LintFinding] = []
    for change in changes:
        if change.kind == LIST_REMOVE:
            continue  # only ids outside the intended list: the managed VLANs stay
        for line in render(Node("", (change.node,))).splitlines():
            for rule in spec.lint_hits(line):
                if rule.only_when_replacing and change.kind != REPLACE:
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


def _masked_finding(spec: PlatformSpec, finding: LintFinding) -> LintFinding:
    return LintFinding(
        finding.rule,
        mask_secrets(spec.name, finding.line),
        mask_secrets(spec.name, finding.reason),
        finding.safe_form,
    )
