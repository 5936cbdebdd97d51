"""The shape of platform knowledge: frozen dataclasses, no behaviour beyond lookups.

Each platform module (``cisco_ios``, ``huawei_vrp``, ...) fills one :class:`PlatformSpec`.
Everything the renderer, planner and session layer need to know about a device family lives
here as data, so no code path branches on a platform name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

Options = tuple[tuple[str, object], ...]
Pairs = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class PromptAnswer:
    """A question the device may ask (regex on its output) and what to type back."""

    pattern: str
    answer: str  # "" means just Enter


@dataclass(frozen=True)
class Connection:
    """How to open and drive a CLI session (netmiko names)."""

    netmiko_device_type: str
    prompt: str  # regex matching the exec-mode prompt
    config_prompt: str = ""  # regex matching the config-mode prompt ("" = no config mode)
    enter_config: tuple[str, ...] = ()
    exit_config: tuple[str, ...] = ()
    pager_off: tuple[str, ...] = ()
    # Extra keyword arguments for ``netmiko.ConnectHandler`` and ``send_config_set``.
    connect_options: Options = ()
    config_options: Options = ()

    def connect_kwargs(self) -> dict[str, object]:
        return {"device_type": self.netmiko_device_type, **dict(self.connect_options)}

    def config_kwargs(self) -> dict[str, object]:
        return dict(self.config_options)


@dataclass(frozen=True)
class ErrorRules:
    """How a device says no. ``patterns`` are regexes matched per output line."""

    patterns: tuple[str, ...]
    success: str = ""  # regex of an explicit success marker (RoomOS "OK")
    terminator: str = ""  # regex of the end-of-response marker (RoomOS "** end")

    @property
    def regex(self) -> str:
        """One alternation, suitable for netmiko's ``error_pattern``."""
        return "|".join(f"(?:{p})" for p in self.patterns)

    def first_error(self, output: str) -> str | None:
        """The first output line that matches an error pattern, or None."""
        compiled = _compile(self.regex, re.MULTILINE)
        match = compiled.search(output)
        if match is None:
            return None
        start = output.rfind("\n", 0, match.start()) + 1
        end = output.find("\n", match.end())
        return output[start : end if end != -1 else len(output)].strip()


@dataclass(frozen=True)
class SaveRules:
    command: str
    answers: tuple[PromptAnswer, ...] = ()
    success: str = ""  # regex on the output that proves the save worked
    alternatives: tuple[str, ...] = ()  # equivalent commands (what Ansible modules send)


@dataclass(frozen=True)
class AdoptionRules:
    """What adoption (``communet adopt``) types beyond the plan, as data.

    ``drop_address``: the lines that take today's address off an interface the intended
    config does not manage (a vendor's VLAN interface), over the new session in stage 3, so
    that today's path is gone and not left behind; ``{interface}`` is that interface.
    ``drop_old_gateway``: whether a default route via today's subnet stays beside the new
    one until removed (VRP keeps several static default routes; IOS's
    ``ip default-gateway`` holds one value): stage 3 removes it with its negation.
    """

    drop_address: tuple[str, ...] = ()
    drop_old_gateway: bool = False


@dataclass(frozen=True)
class TrialCommit:
    """Safe-change primitives.

    ``method`` is one of ``revert_timer`` (IOS: the device rolls back by itself unless
    confirmed), ``commit_trial`` (VRPv8: a trial commit that expires), ``backup_restore``
    (VRP5: no trial; keep the pre-change backup and restore it on failure) or ``none``.
    Commands may contain ``{minutes}``, ``{seconds}``, ``{path}`` placeholders.
    """

    method: str
    start: tuple[str, ...] = ()
    confirm: tuple[str, ...] = ()
    abort: tuple[str, ...] = ()
    commit: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()  # running-config lines the primitive depends on
    backup: str = ""  # copy the running config to a file on the device
    restore: str = ""  # replace running with a file (rollback)
    answers: tuple[PromptAnswer, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class TextRules:
    """How free text (descriptions, display names) must be written on this platform.

    Text is ASCII-folded first; then ``forbidden`` characters are dropped (``?`` opens the
    context help on IOS and VRP even inside a description), whitespace is collapsed and the
    result cut to ``max_length``. Quoted values use ``quote`` with ``escapes`` applied.
    """

    forbidden: str = "?"
    max_length: int = 240
    quote: str = '"'
    escapes: Pairs = ()
    # Characters a secret value may not contain on this platform (regex character class).
    unsafe_in_secrets: str = r"[\s?\"']"


@dataclass(frozen=True)
class ConfigSyntax:
    show_running: str
    negation: str  # "no " / "undo " / "" (settings cannot be negated)
    comment_prefixes: tuple[str, ...] = ()
    indent: str = " "
    # Regexes of running-config lines that carry no configuration (compare without them).
    ignore: tuple[str, ...] = ()
    # Prefix the device prints before each configuration line in ``show_running``.
    running_prefix: str = ""
    # Lines closing a block that the device accepts but never shows ("quit", "exit").
    block_exit: tuple[str, ...] = ()
    # Intended lines the running config never shows because they are the default.
    implicit: tuple[str, ...] = ()
    text: TextRules = field(default_factory=TextRules)

    def ignored(self, line: str) -> bool:
        return bool(self.ignore) and bool(_compile("|".join(self.ignore)).match(line))


@dataclass(frozen=True)
class IdempotencyRule:
    """An intended line whose running form differs, or that running config never shows.

    ``match`` selects the intended line; ``key`` (a regex with a group named ``key``) gives
    the part to compare with the running config: the device shows a hash instead of the
    secret, so ``username X ... secret 0 pw`` is present when ``username X`` is. A
    ``write_only`` line is never shown at all (IOS SNMPv3 users): it cannot be verified and
    is pushed only when the planner is asked to (e.g. on a key rotation).
    """

    name: str
    match: str
    key: str = ""
    write_only: bool = False
    note: str = ""

    def key_of(self, line: str) -> str | None:
        """The comparison key of ``line`` if this rule applies, else None."""
        if not _compile(self.match).search(line):
            return None
        if not self.key:
            return line.strip()
        found = _compile(self.key).search(line)
        return found.group("key") if found else line.strip()


@dataclass(frozen=True)
class LintRule:
    """A destructive line: the plan lint blocks it unless forced.

    ``only_when_replacing`` rules are destructive only when the running config already has
    a line with the same key (``switchport trunk allowed vlan 10,20`` replaces a list on
    IOS; in a greenfield config it is the normal form). ``unless`` exempts matching lines;
    ``unless_running`` exempts a line whose section in the running config has a line that
    matches it (a trunk setting left on a port that is a static access port does nothing).
    """

    name: str
    pattern: str
    reason: str
    safe_form: str = ""
    unless: str = ""
    only_when_replacing: bool = False
    unless_running: str = ""

    def exempt_in(self, section: Iterable[str]) -> bool:
        """Whether the running section the line is typed in makes it harmless."""
        return bool(self.unless_running) and any(
            _compile(self.unless_running).search(line) for line in section
        )

    def hits(self, line: str) -> bool:
        if not _compile(self.pattern).search(line):
            return False
        return not (self.unless and _compile(self.unless).search(line))


@dataclass(frozen=True)
class SecretPattern:
    """A line carrying a secret; every named group ``secret…`` is replaced by a mask."""

    name: str
    pattern: str


@dataclass(frozen=True)
class FirmwareFamily:
    """Template variables that differ by firmware family (RoomOS setting paths)."""

    name: str
    variables: Pairs = ()

    def as_dict(self) -> dict[str, str]:
        return dict(self.variables)


@dataclass(frozen=True)
class ListRule:
    """A line whose argument is a set of ids (VLANs), edited additively.

    ``pattern`` has groups ``head`` and ``items``; ``add``/``remove`` are formats with
    ``{head}`` and ``{items}``; ``remove`` empty means extra ids are left (and reported).
    ``separator`` joins ids, ``range_word`` writes a run (``10-20`` on IOS, ``10 to 20`` on VRP).
    """

    name: str
    pattern: str
    add: str
    remove: str = ""
    separator: str = ","
    range_word: str = "-"


@dataclass(frozen=True)
class StateRules:
    """How a running config tells a device's state: its ports, VLANs, logins and paths.

    Regexes, each matched on one line: ``interface`` on a top-level line (group ``name``);
    the port patterns on the lines inside an interface section; ``physical``, ``svi`` (group
    ``vlan``) and ``lag`` on interface names; the global ones on a line's path joined with
    `` > `` (``aaa > local-user admin password …``). The planner compares the state before
    and after a plan (:mod:`communet.plan.guard`), so a destructive change is found by what it
    does, whatever line causes it. ``causes`` maps each hazard of the catalogue to the regex of
    the line that typically causes it here (``no channel-group`` / ``undo eth-trunk``), so a
    finding names that line.
    """

    interface: str
    physical: str
    svi: str
    lag: str
    mode: str  # group 'mode': access | trunk | hybrid | ...
    routed: str  # the line that makes a port layer 3 ('no switchport', 'undo portswitch')
    access_vlan: str
    native_vlan: str
    allowed_list: str  # the name of the ListRule holding a trunk's allowed VLANs
    member: str  # group 'group': port-channel / Eth-Trunk membership
    shutdown: str
    address: str  # group 'ip', and 'mask' (dotted or prefix length) for the overlap check
    description: str  # group 'text'
    vlan: str  # top-level VLAN declaration (group 'vlan'); lists come from the ListRules
    vlan_list: str  # the name of the ListRule declaring VLANs in batches ('' = none)
    user: str  # group 'user'
    aaa: str  # an authentication method or AAA domain (whole matching path is the key)
    stp_mode: str  # group 'mode'
    stp_default: str
    default_route: str
    vty_acl: str  # group 'acl'
    acl: str  # an ACL's own lines; '{acl}' is the name or number the vty lines refer to
    # One entry of a standard/basic ACL (of those lines): groups 'action' (permit|deny) and
    # the source: 'any', 'host', or 'address' with an optional 'wildcard' (none: any).
    acl_entry: str = ""
    acl_numbered: str = "^$"  # a numbered ACL's entry line, which has no header (IOS)
    # A trunk with no allowed-list line carries every VLAN (IOS) or only VLAN 1 (VRP).
    trunk_default_all: bool = True
    native_default: int = 1
    causes: Pairs = ()
    # Link state, where the device tells it: the command, and a regex on one line of its
    # output with groups 'name' (as the running config names the interface) and 'link'
    # ('up' when the port has a link; anything else: down or disabled).
    link_command: str = ""
    link_line: str = ""

    def cause(self, hazard: str) -> str:
        return dict(self.causes).get(hazard, "")


@dataclass(frozen=True)
class PlanRules:
    """How to compute a minimal, non-destructive remediation for one platform.

    ``parser``: ``hier_config:<platform>`` (indented CLI) or ``xconfig`` (RoomOS settings).
    ``replace``: regexes with a ``key`` group; an intended line replaces a running line with the
    same key in place, with no negation in between (``switchport access vlan 20`` moves a port
    straight from VLAN 5, never through VLAN 1). ``owned``: regexes of top-level lines and
    sections communet manages even when the intended config lacks them, so extras are removed
    (an old ``snmp-server community``); anything else outside the intended config is left as
    it is and reported as unmanaged. ``protected``: lines never removed, because the session
    runs through them (formatted with ``{mgmt_vlan}`` and ``{login_user}``).
    """

    parser: str
    # Huawei separates blocks with '#' and prints global lines with one leading space
    # (' sysname x'): each block is dedented so that its first line is top level.
    block_separator: str = ""
    replace: tuple[str, ...] = ()
    owned: tuple[str, ...] = ()
    lists: tuple[ListRule, ...] = ()
    protected: tuple[str, ...] = ()
    # Lines whose *change* could cut the session (management address, default gateway):
    # a plan replacing one is blocked unless forced, and then only under a trial commit.
    guarded: tuple[str, ...] = ()
    # Lines the device always has and refuses to remove (its own defaults: VRP's
    # 'aaa > accounting-scheme default', a physical port): never negated, matched on
    # 'parent > line' like ``protected`` but not reported, since nothing is at stake.
    permanent: tuple[str, ...] = ()
    # Lines the device *shows* with children but that open no mode of their own (IOS prints
    # a child policy indented under 'shape average'): the parser makes the children siblings,
    # so either display compares equal and the children are typed at the right level.
    inline_parents: tuple[str, ...] = ()
    # Lines that hold several values side by side, one per next hop (static default routes:
    # a second 'ip route 0.0.0.0 0.0.0.0 X' is added beside the first, it never replaces it).
    # Regexes with groups 'set' (what the values are of: the destination), 'item' (the
    # value as the device shows it: destination, mask, next hop; what the negation names)
    # and 'hop' (the next hop; two values are the same when set and hop are, whatever the
    # mask's spelling). When the intended config has a line of a set, the running values of
    # that set it lacks are removed, after the intended ones are added (make-before-break);
    # a value whose other words differ (distance, name) is retyped, which replaces it in
    # place. A set the intended config does not name is left alone (unmanaged).
    several: tuple[str, ...] = ()
    # Sections whose children may repeat (an ACL with the same 'remark' twice): regexes.
    duplicates_under: tuple[str, ...] = ()
    # Negated lines the device does print (a feature on by default, shown only when off:
    # VRP's 'undo ntdp enable'): compared as text, never taken as held because the positive
    # line is absent (how hidden defaults such as 'undo shutdown' are compared).
    shown_negations: tuple[str, ...] = ()
    # A port's mode line and the lines that belong to one mode (VRP: 'port link-type' and the
    # trunk/access/hybrid VLAN lines): the device refuses to change the mode while the port
    # still carries VLAN lines of its old mode, so their removals go before a mode change in
    # the same section (a regex, and regexes matched on the running line being removed).
    mode_change: str = ""
    mode_bound: tuple[str, ...] = ()
    # How to read the device's state (ports, VLANs, logins) for the destructive-change guard.
    state: StateRules | None = None


@dataclass(frozen=True)
class PlatformSpec:
    name: str
    vendor: str
    netmiko_device_type: str
    ansible_network_os: str
    roles: frozenset[str]
    firmware_families: tuple[str, ...] = ()
    connection: Connection | None = None
    errors: ErrorRules = field(default_factory=lambda: ErrorRules(()))
    save: SaveRules | None = None
    trial: TrialCommit = field(default_factory=lambda: TrialCommit("none"))
    syntax: ConfigSyntax | None = None
    idempotency: tuple[IdempotencyRule, ...] = ()
    lint: tuple[LintRule, ...] = ()
    secrets: tuple[SecretPattern, ...] = ()
    # Additive forms to prefer over the destructive ones above: (avoid, prefer).
    safe_forms: Pairs = ()
    # Template search path (first wins) and the templates rendering each role, in order.
    template_dirs: tuple[str, ...] = ()
    templates: tuple[tuple[str, tuple[str, ...]], ...] = ()
    firmware: tuple[FirmwareFamily, ...] = ()
    # Other names ``firmware:`` may carry (versions such as ``ce9.12``) → their family.
    firmware_aliases: Pairs = ()
    # Said after the families when a firmware is missing or unknown.
    firmware_help: str = ""
    plan: PlanRules | None = None
    adoption: AdoptionRules = field(default_factory=AdoptionRules)

    def templates_for(self, role: str) -> tuple[str, ...]:
        return dict(self.templates).get(role, ())

    def firmware_family(self, name: str | None) -> FirmwareFamily | None:
        family = dict(self.firmware_aliases).get(name or "", name)
        return next((f for f in self.firmware if f.name == family), None)

    def lint_hits(self, line: str) -> list[LintRule]:
        return [rule for rule in self.lint if rule.hits(line)]

    def idempotency_key(self, line: str) -> tuple[IdempotencyRule, str] | None:
        for rule in self.idempotency:
            key = rule.key_of(line)
            if key is not None:
                return rule, key
        return None


@cache
def _compile(pattern: str, flags: int = 0) -> re.Pattern[str]:
    return re.compile(pattern, flags)


MASK = "<masked>"


def mask_line_secrets(patterns: tuple[SecretPattern, ...], text: str) -> str:
    """Replace every ``secret…`` group of every pattern in ``text`` by :data:`MASK`."""
    for item in patterns:
        compiled = _compile(item.pattern, re.MULTILINE)
        text = compiled.sub(_masker, text)
    return text


def _masker(match: re.Match[str]) -> str:
    spans = sorted(
        match.span(name)
        for name, value in match.groupdict().items()
        if name.startswith("secret") and value is not None
    )
    whole = match.group(0)
    base = match.start()
    out, last = [], 0
    for start, end in spans:
        out.append(whole[last : start - base])
        out.append(MASK)
        last = end - base
        if whole[start - base : end - base].startswith(MASK):
            last = start - base + len(MASK)  # masked already: keep what follows (a quote)
    out.append(whole[last:])
    return "".join(out)
