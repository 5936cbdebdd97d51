"""Configurations as trees of lines: parsed once per platform, compared by the planner.

Indented CLIs (IOS, VRP) are parsed with hier_config, which knows each platform's quirks
(banners, ``#`` separators, ACL sequence numbers, collapsed VLAN lists); RoomOS settings
(``xConfiguration Path: value``) are a flat list keyed by path.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache

from hier_config import Platform, get_hconfig, get_hconfig_driver
from hier_config.child import HConfigChild
from hier_config.models import MatchRule, ParentAllowsDuplicateChildRule
from hier_config.platforms.driver_base import HConfigDriverBase

from communet.platforms.spec import PlatformSpec

_HIER_PLATFORMS = {"cisco_ios": Platform.CISCO_IOS, "huawei_vrp": Platform.HUAWEI_VRP}


@dataclass(frozen=True)
class Node:
    """One configuration line and the lines under it (a section when it has children)."""

    text: str
    children: tuple[Node, ...] = ()


def parse(spec: PlatformSpec, text: str) -> Node:
    """The configuration ``text`` as a tree under a root node with empty text."""
    rules = spec.plan
    if rules is None:
        raise ValueError(f"platform {spec.name} has no planning rules")
    lines = _meaningful_lines(spec, text)
    if rules.parser == "xconfig":
        return Node("", tuple(Node(line) for line in lines))
    kind, _, name = rules.parser.partition(":")
    if kind != "hier_config" or name not in _HIER_PLATFORMS:
        raise ValueError(f"unknown parser {rules.parser!r} for platform {spec.name}")
    driver = _driver(name, rules.duplicates_under)
    root = get_hconfig(driver.hier, "\n".join(driver.substitute(lines)))
    inline = tuple(re.compile(p) for p in rules.inline_parents)
    return Node("", _from_hier(root.children, inline))


@dataclass(frozen=True)
class _Driver:
    """A hier_config driver whose per-line substitutions run here, with a fast path.

    hier_config tries each of its substitutions (16 for IOS) on every line, which was a third
    of a plan's time; one combined pattern tells which lines any of them can touch, and only
    those get the substitutions, in hier_config's order. Banner bodies are left as they are
    (hier_config does not substitute inside them either).
    """

    hier: HConfigDriverBase
    rules: tuple[tuple[re.Pattern[str], str], ...]
    any_rule: re.Pattern[str] | None

    def substitute(self, lines: Iterable[str]) -> Iterator[str]:
        # hier_config's banner state: what may end a banner only grows within one config
        ends: set[str] = {"EOF", "%", "!"}
        contains: list[str] = []
        in_banner = False
        for line in lines:
            if in_banner:
                in_banner = not _banner_ends(line, ends, contains)
                yield line
            elif line.startswith("banner ") and line != "banner motd ##":
                in_banner = True
                words = line.split()
                if len(words) > 2:
                    contains.append(words[2])
                    if words[2].startswith('"'):
                        contains.append('"')
                    ends |= {words[2][:1], words[2][:2]}
                yield line
            else:
                yield self._substituted(line)

    def _substituted(self, line: str) -> str:
        indent = len(line) - len(line.lstrip())
        line = " " * indent + " ".join(line.split())
        if self.any_rule is None or not self.any_rule.match(line):
            return line
        for pattern, replacement in self.rules:
            line = pattern.sub(replacement, line)
        return line


def _banner_ends(line: str, ends: set[str], contains: list[str]) -> bool:
    return line.startswith("^") or line in ends or any(c in line for c in contains)


@cache
def _driver(name: str, duplicates_under: tuple[str, ...] = ()) -> _Driver:
    hier = get_hconfig_driver(_HIER_PLATFORMS[name])
    rules = tuple((re.compile(r.search), r.replace) for r in hier.rules.per_line_sub)
    allowed = tuple(
        ParentAllowsDuplicateChildRule(match_rules=(MatchRule(re_search=pattern),))
        for pattern in duplicates_under
    )
    hier.rules = hier.rules.model_copy(
        update={
            "per_line_sub": [],
            "parent_allows_duplicate_child": [
                *hier.rules.parent_allows_duplicate_child,
                *allowed,
            ],
        }
    )
    combined = "|".join(f"(?:{pattern.pattern})" for pattern, _ in rules)
    return _Driver(hier, rules, re.compile(combined) if rules else None)


def _from_hier(
    children: Iterable[HConfigChild], inline: tuple[re.Pattern[str], ...]
) -> tuple[Node, ...]:
    """hier_config children as Nodes; an inline parent's children become its siblings."""
    out: list[Node] = []
    for child in children:
        if inline and any(rule.search(child.text) for rule in inline):
            out.append(Node(child.text))
            out += _from_hier(child.children, inline)
        else:
            out.append(Node(child.text, _from_hier(child.children, inline)))
    return tuple(out)


def _meaningful_lines(spec: PlatformSpec, text: str) -> list[str]:
    syntax = spec.syntax
    prefix = syntax.running_prefix if syntax else ""
    separator = spec.plan.block_separator if spec.plan else ""
    lines = [raw.rstrip() for raw in text.replace("\r\n", "\n").split("\n")]
    if prefix:
        lines = [line.removeprefix(prefix) for line in lines]
    if separator:
        lines = _dedent_blocks(lines, separator)
    return [line for line in lines if syntax is None or not syntax.ignored(line)]


def _dedent_blocks(lines: list[str], separator: str) -> list[str]:
    out: list[str] = []
    shift: int | None = None
    for line in lines:
        if line.strip() == separator:
            shift = None
            out.append(line)
            continue
        if shift is None and line.strip():
            shift = len(line) - len(line.lstrip(" "))
        cut = min(shift or 0, len(line) - len(line.lstrip(" ")))
        out.append(line[cut:])
    return out


def flatten(node: Node, indent: str = " ", exit_line: str = "", depth: int = 0) -> list[str]:
    """Lines to type, in order: a section's header, its children indented, then its exit."""
    out: list[str] = []
    for child in node.children:
        out.append(indent * depth + child.text)
        if child.children:
            out += flatten(child, indent, exit_line, depth + 1)
            if exit_line:
                out.append(indent * depth + exit_line)
    return out


def render(node: Node, indent: str = " ", depth: int = 0) -> str:
    """The tree as configuration text (no exits), for diffs and previews."""
    lines: list[str] = []
    for child in node.children:
        lines.append(indent * depth + child.text)
        if child.children:
            lines.append(render(child, indent, depth + 1))
    return "\n".join(line for line in lines if line)


_XCONFIG = re.compile(r"^(?P<path>xConfiguration [^:]+):\s?(?P<value>.*)$")


def xconfig_setting(line: str) -> tuple[str, str] | None:
    """``xConfiguration SIP URI: "x"`` → ("xConfiguration SIP URI", '"x"')."""
    found = _XCONFIG.match(line)
    if found is None:
        return None
    return found.group("path").strip(), found.group("value").strip()
