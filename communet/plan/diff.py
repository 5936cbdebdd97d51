"""Minimal, non-destructive remediation between a running and an intended configuration.

Pure functions over :class:`~communet.plan.tree.Node` trees and the platform's
:class:`~communet.platforms.spec.PlanRules`:

- lines are compared exactly, then by the platform's idempotency keys (a hashed secret is
  the same user), then by replace keys (a new value replaces the old one in place: no
  negation in between, so an access port never passes through VLAN 1);
- id lists (trunk allowed VLANs) are edited with ``add``/``remove`` of the difference;
- lines that hold several values (static default routes, one per next hop) get the intended
  values added, then lose the others, by what the device shows of them;
- outside the sections the intended config defines, only *owned* lines are removed (an old
  SNMP community); everything else is left and reported as unmanaged;
- lines the session runs through (management SVI, default gateway, vty lines, our own
  login) are never removed.

Every change records how to undo it, so a rollback is computed from the plan itself, and
:func:`predict` applies changes to a tree so tests can prove a plan converges offline.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache

from communet.plan.tree import Node, xconfig_setting
from communet.platforms import get_platform
from communet.platforms.spec import ListRule, PlatformSpec

ADD, REPLACE, REMOVE, LIST_ADD, LIST_REMOVE, WRITE_ONLY = (
    "add",
    "replace",
    "remove",
    "list-add",
    "list-remove",
    "write-only",
)


# A setting whose value is a credential: reported without it (codecs show "***" anyway).
_SECRET_SETTING = re.compile(r"(?:Password|Passphrase|Secret|Key)$")


@dataclass(frozen=True)
class Change:
    """One edit inside the section ``path``: type ``node``; ``undo`` reverses it."""

    path: tuple[str, ...]
    node: Node
    undo: tuple[Node, ...]
    kind: str
    replaces: str = ""  # the running line an ADD/REPLACE takes the place of


@dataclass(frozen=True)
class Context:
    """What the planner must know about the device it protects."""

    mgmt_vlan: int = 10
    login_user: str = ""
    # Restoring a device to a config it ran before (a failed push on a platform without a
    # trial commit): every line is communet's to put back and nothing is protected, since
    # the target is the state the session came in on.
    restore: bool = False
    session_address: str = ""  # where the management session reaches the device now
    # The physical ports that have a link now, from the device's own answer (None: not
    # known; the guard then judges on the configuration alone).
    links_up: frozenset[str] | None = None
    # The session runs over the serial console: the management path does not carry it, so
    # nothing is guarded for its sake (a session on that path proves it before the confirm).
    console: bool = False
    # The NOC networks its SSH sessions come from (CIDR): the vty ACLs the device ends with
    # must let them in, over the console too (the proof after the push comes from there).
    noc_networks: tuple[str, ...] = ()


@dataclass
class Diff:
    changes: list[Change] = field(default_factory=list)
    unmanaged: list[str] = field(default_factory=list)
    protected: list[str] = field(default_factory=list)

    @property
    def effective(self) -> list[Change]:
        """Changes that alter the device; write-only lines ride along only with those."""
        real = [c for c in self.changes if c.kind != WRITE_ONLY]
        return self.changes if real else []


@cache
def compiled(pattern: str) -> re.Pattern[str]:
    """A platform's regular expression (from its data), compiled once."""
    return re.compile(pattern)


@dataclass(frozen=True)
class _LineKeys:
    replace: str | None
    same: str | None
    write_only: bool
    id_list: tuple[ListRule, str, frozenset[int]] | None
    several: Several | None


@dataclass(frozen=True)
class Several:
    """One value of a line that holds several (a static default route and its next hop)."""

    group: str  # what the values are of: 'ip route 0.0.0.0'
    key: str  # the value: group and next hop, whatever the mask's spelling
    item: str  # the value as the device shows it (what the negation names)
    canonical: str  # the whole line, the mask spelt one way


def _several(patterns: tuple[str, ...], text: str) -> Several | None:
    for pattern in patterns:
        found = compiled(pattern).match(text)
        if found:
            group, hop = found.group("set"), found.group("hop")
            canonical = f"{group} {hop}{text[found.end('hop') :]}"
            return Several(group, f"{group} {hop}", found.group("item"), canonical)
    return None


@lru_cache(maxsize=1 << 16)
def _line_keys(platform: str, text: str) -> _LineKeys:
    spec = get_platform(platform)
    rules = spec.plan
    assert rules is not None  # a Planner exists only for plannable platforms
    replace = None
    for index, pattern in enumerate(rules.replace):
        found = compiled(pattern).search(text)
        if found:
            replace = f"{index}:{found.group('key')}"
            break
    hit = spec.idempotency_key(text)
    write_only = hit is not None and hit[0].write_only
    same = f"{hit[0].name}:{hit[1]}" if hit is not None and not write_only else None
    id_list = None
    for rule in rules.lists:
        matched = compiled(rule.pattern).match(text)
        if matched:
            ids = frozenset(parse_ids(matched.group("items"), rule))
            id_list = (rule, matched.group("head"), ids)
            break
    several = _several(rules.several, text)
    return _LineKeys(replace, same, write_only, id_list, several)


class Planner:
    def __init__(self, spec: PlatformSpec, context: Context) -> None:
        if spec.plan is None or spec.syntax is None:
            raise ValueError(f"platform {spec.name} cannot be planned")
        self.spec = spec
        self.rules = spec.plan
        self.negation = spec.syntax.negation
        values = {"mgmt_vlan": context.mgmt_vlan, "login_user": re.escape(context.login_user)}
        protected = () if context.restore else self.rules.protected
        self.protected = [compiled(p.format(**values)) for p in protected]
        guarded = () if context.console else self.rules.guarded
        self.guarded = [compiled(p.format(**values)) for p in guarded]
        self.owned = [compiled(p) for p in (("",) if context.restore else self.rules.owned)]
        self.restore = context.restore
        self.running_texts: set[str] = set()
        self.permanent = [compiled(p) for p in self.rules.permanent]
        self.shown_negations = [compiled(p) for p in self.rules.shown_negations]
        self.mode_change = compiled(self.rules.mode_change) if self.rules.mode_change else None
        self.mode_bound = [compiled(p) for p in self.rules.mode_bound]

    # ----------------------------------------------------------------- line keys
    # A line's keys depend on the platform and the text only; the same lines recur on
    # thousands of devices, so they are computed once per process (see _line_keys).
    def replace_key(self, text: str) -> str | None:
        return _line_keys(self.spec.name, text).replace

    def same_key(self, text: str) -> str | None:
        return _line_keys(self.spec.name, text).same

    def write_only(self, text: str) -> bool:
        return _line_keys(self.spec.name, text).write_only

    def list_of(self, text: str) -> tuple[ListRule, str, set[int]] | None:
        found = _line_keys(self.spec.name, text).id_list
        return None if found is None else (found[0], found[1], set(found[2]))

    def several_of(self, text: str) -> Several | None:
        return _line_keys(self.spec.name, text).several

    def negate(self, text: str) -> str:
        if self.negation and text.startswith(self.negation):
            return text[len(self.negation) :]
        key = self.replace_key(text)
        bare = key.partition(":")[2] if key else text
        return self.negation + bare

    def is_protected(self, path: tuple[str, ...], text: str) -> bool:
        where = " > ".join((*path, text))
        return any(rule.search(where) for rule in self.protected)

    def is_shown_default(self, text: str) -> bool:
        """``text`` is the positive form of a default shown only when turned off."""
        negated = self.negation + text
        return bool(self.negation) and any(r.search(negated) for r in self.shown_negations)

    def is_permanent(self, path: tuple[str, ...], text: str) -> bool:
        where = " > ".join((*path, text))
        return any(rule.search(where) for rule in self.permanent)

    def is_guarded(self, path: tuple[str, ...], text: str) -> bool:
        where = " > ".join((*path, text))
        return any(rule.search(where) for rule in self.guarded)

    def is_owned(self, text: str) -> bool:
        return any(rule.search(text) for rule in self.owned)

    # ------------------------------------------------------------------- diffing
    def diff(self, running: Node, intended: Node) -> Diff:
        out = Diff()
        if self.rules.parser == "xconfig":
            self._settings(running, intended, out)
        else:
            self._section((), running.children, intended.children, out, top=True)
        return out

    def _settings(self, running: Node, intended: Node, out: Diff) -> None:
        """Settings devices: only the intended settings whose value differs are written.

        Every other setting the device shows (a brownfield codec has hundreds: audio,
        video, peripherals) is left as it is and reported as unmanaged.
        """
        have = dict(filter(None, (xconfig_setting(c.text) for c in running.children)))
        wanted: set[str] = set()
        for child in intended.children:
            setting = xconfig_setting(child.text)
            if setting is None:
                continue
            path, value = setting
            wanted.add(path)
            old = have.get(path)
            if old == value:
                continue
            undo = (Node(f"{path}: {old}"),) if old is not None else ()
            out.changes.append(Change((), child, undo, REPLACE, f"{path}: {old}"))
        out.unmanaged.extend(
            f"{path}: {'(hidden)' if _SECRET_SETTING.search(path) else value}"
            for path, value in have.items()
            if path not in wanted
        )

    def _section(  # noqa: PLR0912 - one pass over both sides, each case a few lines
        self,
        path: tuple[str, ...],
        running: tuple[Node, ...],
        intended: tuple[Node, ...],
        out: Diff,
        *,
        top: bool,
    ) -> None:
        first = len(out.changes)
        run_text = {c.text: c for c in running}
        run_same = {k: c for c in running if (k := self.same_key(c.text))}
        run_replace = {k: c for c in running if (k := self.replace_key(c.text))}
        run_lists = _lists(self, running)
        int_text = {c.text for c in intended}
        int_same = {k for c in intended if (k := self.same_key(c.text))}
        int_replace = {k for c in intended if (k := self.replace_key(c.text))}
        int_lists = _lists(self, intended)
        int_several = {v.key: v for c in intended if (v := self.several_of(c.text))}
        removals: list[Change] = []
        for node in intended:
            found = run_text.get(node.text)
            if found is not None:
                if node.children or found.children:
                    self._section((*path, node.text), found.children, node.children, out, top=False)
                continue
            if self._value(path, node, running, out):
                continue
            if self.list_of(node.text) is not None:
                continue  # handled per list head below
            key = self.same_key(node.text)
            if key is not None and key in run_same:
                continue
            if self.write_only(node.text):
                out.changes.append(Change(path, node, (), WRITE_ONLY))
                continue
            if self._satisfied_no_form(node.text, run_text, run_replace):
                continue
            old = run_replace.get(self.replace_key(node.text) or "")
            if old is not None and not node.children:
                out.changes.append(Change(path, node, (old,), REPLACE, old.text))
                continue
            out.changes.append(Change(path, node, (Node(self.negate(node.text)),), ADD))
        for head_key, wanted in int_lists.items():
            self._list(path, wanted, run_lists.get(head_key), out, removals)
        self.running_texts = set(run_text)
        for node in running:
            if self._other_value(path, node, int_several, removals):
                continue
            if node.text in int_text or self._kept(node, int_same, int_replace, int_lists):
                if self.restore and node.text not in int_text and self._beside(node, int_text):
                    # the device holds this value beside the one being restored (a setting
                    # that takes several values): it goes, by its exact text
                    removals.append(Change(path, Node(self.negation + node.text), (node,), REMOVE))
                continue
            self._not_intended(path, node, out, removals, top=top)
        self._place_removals(path, out, first, removals)

    def _place_removals(
        self, path: tuple[str, ...], out: Diff, first: int, removals: list[Change]
    ) -> None:
        """Removals come after the section's additions (make-before-break), except the old
        mode's lines of a port whose mode changes: the device takes the new mode only once
        they are gone, so they go just before the mode line."""
        mode = self.mode_change
        at = (
            next(
                (
                    index
                    for index in range(first, len(out.changes))
                    if out.changes[index].path == path
                    and out.changes[index].kind in (ADD, REPLACE)
                    and mode.search(out.changes[index].node.text)
                ),
                None,
            )
            if mode is not None and removals
            else None
        )
        if at is None:
            out.changes += removals
            return
        bound = self.mode_bound
        early = [c for c in removals if c.undo and any(b.search(c.undo[0].text) for b in bound)]
        out.changes[at:at] = early
        out.changes += [c for c in removals if all(c is not e for e in early)]

    def _not_intended(
        self, path: tuple[str, ...], node: Node, out: Diff, removals: list[Change], *, top: bool
    ) -> None:
        """A running line the intended config does not have: unmanaged, left, or removed."""
        if top and not self.is_owned(node.text):
            out.unmanaged.append(node.text)
        elif self.is_permanent(path, node.text):
            pass  # the device's own default: it refuses the removal
        elif self.is_shown_default(node.text):
            pass  # a default-on feature the release prints anyway (VRP V100: ' ntdp enable'
            # on every port): the intended config's silence means that default, so it stays
        elif self.is_protected(path, node.text):
            out.protected.append(" > ".join((*path, node.text)))
        else:
            removals.append(Change(path, Node(self.negate(node.text)), (node,), REMOVE))

    def _value(
        self, path: tuple[str, ...], node: Node, running: tuple[Node, ...], out: Diff
    ) -> bool:
        """Whether ``node`` is a value of a line that holds several; if so, it is added
        beside the others, or retyped over the running value with the same next hop (its
        distance or name differ), or left when only the mask's spelling differs."""
        value = self.several_of(node.text)
        if value is None:
            return False
        shown = [(c, v) for c in running if (v := self.several_of(c.text)) and v.key == value.key]
        if not shown:
            undo = (Node(self.negation + value.item),)
            out.changes.append(Change(path, node, undo, ADD))
        elif shown[0][1].canonical != value.canonical:
            old = shown[0][0]
            out.changes.append(Change(path, node, (old,), REPLACE, old.text))
        return True

    def _other_value(
        self,
        path: tuple[str, ...],
        node: Node,
        intended: dict[str, Several],
        removals: list[Change],
    ) -> bool:
        """Whether ``node`` is a value of a line the intended config sets; when the intended
        config lacks that value, it goes, after the intended ones are in (removals come
        last), by what the device shows of it."""
        value = self.several_of(node.text)
        if value is None or all(v.group != value.group for v in intended.values()):
            return False
        if value.key not in intended:
            removals.append(Change(path, Node(self.negation + value.item), (node,), REMOVE))
        return True

    def _beside(self, node: Node, int_text: set[str]) -> bool:
        """Whether a running line keyed like an intended line sits next to that very line
        (so the key did not replace it: both are configured)."""
        key = self.replace_key(node.text)
        siblings = self.running_texts
        return key is not None and any(
            text in siblings and self.replace_key(text) == key for text in int_text
        )

    def _kept(
        self,
        node: Node,
        int_same: set[str],
        int_replace: set[str],
        int_lists: dict[str, tuple[ListRule, str, set[int], list[Node]]],
    ) -> bool:
        """A running line that the intended config keeps, replaces or edits as a list."""
        same = self.same_key(node.text)
        if same is not None and same in int_same:
            return True
        replace = self.replace_key(node.text)
        if replace is not None and replace in int_replace:
            return True
        listed = self.list_of(node.text)
        return listed is not None and _list_key(listed[0], listed[1]) in int_lists

    def _satisfied_no_form(
        self, text: str, run_text: dict[str, Node], run_replace: dict[str, Node]
    ) -> bool:
        """``no X`` holds when the running config has no ``X`` (IOS hides defaults)."""
        if not self.negation or not text.startswith(self.negation):
            return False
        if any(rule.search(text) for rule in self.shown_negations):
            return False
        positive = text[len(self.negation) :]
        key = self.replace_key(positive)
        return positive not in run_text and (key is None or key not in run_replace)

    def _list(
        self,
        path: tuple[str, ...],
        want: tuple[ListRule, str, set[int], list[Node]],
        have: tuple[ListRule, str, set[int], list[Node]] | None,
        out: Diff,
        removals: list[Change],
    ) -> None:
        """Edit an id list additively: add what is missing, remove only what is extra."""
        rule, head, wanted = want[0], want[1], want[2]
        if have is None:  # a fresh list: the full form is the normal way to set it
            full = Node(f"{head} {format_ids(wanted, rule)}")
            out.changes.append(Change(path, full, (Node(self.negate(full.text)),), ADD))
            return
        missing, extra = wanted - have[2], have[2] - wanted
        if missing:
            add = Node(rule.add.format(head=head, items=format_ids(missing, rule)))
            undo_add = _list_edit(rule, head, missing, remove=True)
            out.changes.append(Change(path, add, undo_add, LIST_ADD))
        remove = rule.remove or (self.negation + "{head} {items}" if self.restore else "")
        if extra and remove:  # restoring: even an additive-only list loses what was added
            drop = Node(remove.format(head=head, items=format_ids(extra, rule)))
            undo_drop = _list_edit(rule, head, extra, remove=False)
            removals.append(Change(path, drop, undo_drop, LIST_REMOVE))
        elif extra:
            out.unmanaged.append(f"{head} {format_ids(extra, rule)} (left in place)")


def _list_key(rule: ListRule, head: str) -> str:
    return f"{rule.name}:{head}"


def _lists(
    planner: Planner, nodes: Iterable[Node]
) -> dict[str, tuple[ListRule, str, set[int], list[Node]]]:
    """List lines grouped by head; a device may print one list over several lines."""
    found: dict[str, tuple[ListRule, str, set[int], list[Node]]] = {}
    for node in nodes:
        listed = planner.list_of(node.text)
        if listed is None:
            continue
        rule, head, ids = listed
        key = _list_key(rule, head)
        if key in found:
            found[key][2].update(ids)
            found[key][3].append(node)
        else:
            found[key] = (rule, head, set(ids), [node])
    return found


def _list_edit(rule: ListRule, head: str, ids: set[int], *, remove: bool) -> tuple[Node, ...]:
    template = rule.remove if remove else rule.add
    if not template:
        return ()
    return (Node(template.format(head=head, items=format_ids(ids, rule))),)


# ------------------------------------------------------------------------------ id lists
def parse_ids(text: str, rule: ListRule) -> set[int]:
    """``10,20-22`` (IOS) or ``10 20 to 22`` (VRP) → {10, 20, 21, 22}."""
    ids: set[int] = set()
    word = rule.range_word.strip()
    tokens = text.replace(",", " ").split() if rule.separator == "," else text.split()
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if word != "-" and index + 2 < len(tokens) and tokens[index + 1] == word:
            ids.update(range(int(token), int(tokens[index + 2]) + 1))
            index += 3
            continue
        if "-" in token and word == "-":
            low, high = token.split("-", 1)
            ids.update(range(int(low), int(high) + 1))
        elif token.isdigit():
            ids.add(int(token))
        index += 1
    return ids


def format_ids(ids: Iterable[int], rule: ListRule) -> str:
    """Sorted ids with runs of three or more written as ranges."""
    runs: list[tuple[int, int]] = []
    for value in sorted(set(ids)):
        if runs and value == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], value)
        else:
            runs.append((value, value))
    parts = []
    for low, high in runs:
        if high - low >= 2:
            parts.append(f"{low}{rule.range_word}{high}")
        else:
            parts += [str(v) for v in range(low, high + 1)]
    return rule.separator.join(parts)


# ----------------------------------------------------------------------------- predict
def predict(planner: Planner, running: Node, changes: Iterable[Change]) -> Node:
    """The configuration after ``changes``, as the device would show it."""
    root = _Mutable.of(running)
    for change in changes:
        section = root.descend(change.path)
        if change.kind == WRITE_ONLY:
            continue
        if change.kind in (LIST_ADD, LIST_REMOVE):
            _predict_list(planner, section, change)
        elif change.kind == REMOVE:
            section.remove(change.undo[0].text)
        elif change.kind == REPLACE:
            section.remove(change.replaces)
            section.merge(change.node)
        elif planner.negation and change.node.text.startswith(planner.negation):
            section.remove(change.node.text[len(planner.negation) :])
            section.remove_by_key(planner, change.node.text[len(planner.negation) :])
        else:
            section.merge(change.node)
    return root.frozen()


def _predict_list(planner: Planner, section: _Mutable, change: Change) -> None:
    text = change.node.text
    for rule in planner.rules.lists:
        # the remove form first: VRP's 'undo {head} {items}' also fits '{head} {items}'
        for template, adding in ((rule.remove, False), (rule.add, True)):
            if not template:
                continue
            pattern = "^" + re.escape(template).replace(r"\{head\}", "(?P<head>.+?)")
            pattern = pattern.replace(r"\{items\}", r"(?P<items>\d[\d,\- to]*)") + "$"
            found = re.match(pattern, text)
            if found is None:
                continue
            head, ids = found.group("head"), parse_ids(found.group("items"), rule)
            current: set[int] = set()
            for child in list(section.children):
                listed = planner.list_of(child.text)
                if listed is not None and listed[1] == head:
                    current |= listed[2]
                    section.children.remove(child)
            current = current | ids if adding else current - ids
            if current:
                section.children.append(_Mutable(f"{head} {format_ids(current, rule)}"))
            return


class _Mutable:
    def __init__(self, text: str, children: list[_Mutable] | None = None) -> None:
        self.text = text
        self.children = children or []

    @classmethod
    def of(cls, node: Node) -> _Mutable:
        return cls(node.text, [cls.of(c) for c in node.children])

    def frozen(self) -> Node:
        return Node(self.text, tuple(c.frozen() for c in self.children))

    def descend(self, path: tuple[str, ...]) -> _Mutable:
        here = self
        for text in path:
            found = next((c for c in here.children if c.text == text), None)
            if found is None:
                found = _Mutable(text)
                here.children.append(found)
            here = found
        return here

    def remove(self, text: str) -> None:
        self.children = [c for c in self.children if c.text != text]

    def remove_by_key(self, planner: Planner, text: str) -> None:
        key = planner.replace_key(text) or planner.replace_key(planner.negation + text)
        bare = key.partition(":")[2] if key else None
        if bare is None:
            return
        self.children = [
            c
            for c in self.children
            if (planner.replace_key(c.text) or "").partition(":")[2] != bare
        ]

    def merge(self, node: Node) -> None:
        found = next((c for c in self.children if c.text == node.text), None)
        if found is None:
            self.children.append(_Mutable.of(node))
            return
        for child in node.children:
            found.merge(child)
