"""Huawei VRP5 (S-series switches such as S5720/S5735, AR routers such as AR651)."""

from __future__ import annotations

from communet.platforms.spec import (
    AdoptionRules,
    ConfigSyntax,
    Connection,
    ErrorRules,
    IdempotencyRule,
    LintRule,
    ListRule,
    PlanRules,
    PlatformSpec,
    PromptAnswer,
    SaveRules,
    SecretPattern,
    StateRules,
    TextRules,
    TrialCommit,
)

NETWORK_ROLES = frozenset({"access_switch", "aggregation_switch", "ce_router", "internet_router"})

CONNECTION = Connection(
    netmiko_device_type="huawei",
    prompt=r"<[\w.-]+>\s*$",
    config_prompt=r"\[~?\*?[\w.-]+(?:-[\w./:-]+)?\]\s*$",
    enter_config=("system-view",),
    exit_config=("return",),
    pager_off=("screen-length 0 temporary",),
    # netmiko's huawei driver idles ~9 s on a short send_config_set with its defaults; the
    # session layer sets its own read timeouts (issue #4, item 4).
    config_options=(("cmd_verify", True),),
)

ERRORS = ErrorRules(
    patterns=(
        r"^Error:",
        r"^\s*Error: ",
        r"^\s*\^\s*$",  # the caret VRP prints under the offending token
        r"Unrecognized command found at",
        r"Wrong parameter found at",
        r"Incomplete command found at",
        r"Too many parameters found at",
        r"Ambiguous command found at",
    ),
)

SAVE = SaveRules(
    command="save",
    answers=(
        PromptAnswer(r"Are you sure to continue\?\s*\[Y/N\]", "y"),
        PromptAnswer(r"\[Y/N\]", "y"),
    ),
    success=r"successfully",
)

TRIAL = TrialCommit(
    method="backup_restore",
    backup="save {path}",
    restore="startup saved-configuration {path}",
    answers=(PromptAnswer(r"\[Y/N\]", "y"),),
    note=(
        "VRP5 has no trial commit: keep the pre-change backup (off-box and 'save <file>'), "
        "push, verify, and on failure undo the pushed lines with their 'undo' forms or reload "
        "from the saved file"
    ),
)

TEXT = TextRules(forbidden='?"', max_length=200, unsafe_in_secrets=r"[\s?\"']")

SYNTAX = ConfigSyntax(
    show_running="display current-configuration",
    negation="undo ",
    comment_prefixes=("#",),
    ignore=(
        r"^#\s*$",
        r"^return$",
        r"^!Software Version ",
        r"^!Last configuration was ",
        r"^ ?sysname-?\s*$",
        r"^\s*$",
    ),
    block_exit=("quit",),
    implicit=(r"^\s*undo shutdown$",),
    text=TEXT,
)

IDEMPOTENCY = (
    IdempotencyRule(
        "local-user",
        match=r"^\s*local-user \S+ password (?:irreversible-)?cipher ",
        key=r"^\s*(?P<key>local-user \S+ password)",
        note="shown as a salted hash: compare by 'local-user X password'",
    ),
    IdempotencyRule(
        "snmpv3-keys",
        match=r"^snmp-agent usm-user v3 \S+ (?:authentication|privacy)-mode ",
        key=r"^(?P<key>snmp-agent usm-user v3 \S+ (?:authentication|privacy)-mode \S+)",
        note="keys are shown encrypted: compare by user and mode",
    ),
    IdempotencyRule(
        "undo-shutdown",
        match=r"^\s*undo shutdown$",
        write_only=True,
        note="the default: absent from the current configuration",
    ),
)

LINT = (
    LintRule(
        "undo-vlan-batch",
        r"^\s*undo vlan batch ",
        "deletes VLANs: every access port in them stops forwarding",
        safe_form="leave unused VLANs; 'vlan batch' is additive",
    ),
    LintRule("undo-vlan", r"^\s*undo vlan \d", "deletes a VLAN"),
    LintRule(
        "trunk-remove",
        r"^\s*undo port trunk allow-pass vlan ",
        "removes VLANs from a live trunk (the uplink may lose the managed VLANs)",
        safe_form="port trunk allow-pass vlan <ids> (additive on VRP)",
        # Removing VLAN 1 (the default member of every trunk) is part of the baseline.
        unless=r"^\s*undo port trunk allow-pass vlan 1$",
    ),
    LintRule(
        "delete-vlanif",
        r"^\s*undo interface Vlanif\d+",
        "removes a VLAN interface: the management path if it is MGMT",
    ),
    LintRule(
        "link-type",
        r"^\s*undo port link-type",
        "resets the port type (a trunk becomes hybrid/access)",
    ),
    LintRule(
        "remove-ip",
        r"^\s*undo ip address",
        "removes an interface address (management path)",
        only_when_replacing=True,
    ),
)

SECRETS = (
    SecretPattern(
        "local-user",
        r"^(\s*local-user \S+ password (?:irreversible-cipher|cipher|simple) )(?P<secret>\S+)",
    ),
    SecretPattern(
        "snmpv3",
        r"^(snmp-agent usm-user v3 \S+ (?:authentication-mode \S+|privacy-mode \S+) "
        r"(?:cipher|simple)? ?)(?P<secret>\S+)",
    ),
    SecretPattern(
        "community", r"^(snmp-agent community (?:read|write) (?:cipher )?)(?P<secret>\S+)"
    ),
    SecretPattern(
        "cipher",
        r"^(\s*\S.*?\b(?:cipher|irreversible-cipher|password simple|authentication-mode \S+ "
        r"cipher) )(?P<secret>\S+)",
    ),
    SecretPattern(
        "key", r"^(\s*(?:radius-server|hwtacacs-server) shared-key (?:cipher )?)(?P<secret>\S+)"
    ),
    # any other 'password X' (the FTP backup server's on 'set save-configuration', ...)
    SecretPattern(
        "password",
        r"^(\s*\S.*?\bpassword (?:cipher |simple |irreversible-cipher )?)"
        r"(?P<secret>(?!cipher\b|simple\b|irreversible-cipher\b|policy\b|history\b|expire\b"
        r"|change-offline\b|alert\b|min-length\b|complexity-check\b|level\b|<masked>)\S+)",
    ),
)

SAFE_FORMS = (
    ("undo vlan batch <ids>", "keep VLANs; 'vlan batch <ids>' only adds"),
    ("undo port trunk allow-pass vlan <ids>", "port trunk allow-pass vlan <ids> (additive)"),
    ("undo port default vlan", "port default vlan <id> (direct move, never via VLAN 1)"),
)

TEMPLATES = (
    ("access_switch", ("baseline.j2", "access_switch.j2")),
    ("aggregation_switch", ("baseline.j2", "aggregation_switch.j2")),
    ("ce_router", ("baseline.j2", "ce_router.j2")),
    ("internet_router", ("baseline.j2",)),
)

# What VRP creates by itself and refuses to delete ("Error: The default ... cannot be
# deleted"): the real configs under tests/fixtures/real all carry these. A plan that meets
# them in the running config leaves them alone.
PERMANENT = (
    r"^aaa > (?:authentication|authorization|accounting)-scheme default$",
    r"^aaa > domain default(?:_admin)?$",
    r"^aaa > local-aaa-user password policy administrator$",
    # a deleted factory user is shown as 'undo local-user admin' (eNSP S5700 capture): the
    # record of an absence, not a setting; a bare 'local-user admin' is an incomplete
    # command, and creating the user ('local-user admin password ...') takes the line away
    r"^aaa > undo local-user \S+$",
    r"^(?:authentication|dot1x-access|mac-access|portal-access)-profile name \S+_profile$",
    r"^free-rule-template name default_free_rule$",
    r"^radius-server template default$",
    r"^pki realm default$",
    r"^ssl policy default$",
    r"^(?:drop-profile|diffserv domain|qos schedule-profile) default$",
    r"^ip vpn-instance _management_vpn_$",
    # a physical port (not a sub-interface) and the console/vty user interfaces themselves
    r"^interface (?:GigabitEthernet|XGigabitEthernet|MultiGE|\d*GE|MEth|Stack-Port|NULL)[\d/]+$",
    r"^user-interface (?:con|vty) [\d ]+$",
)
# VLAN lists print with ranges ('10 20 to 30'); both are edited as sets of ids.
PLAN = PlanRules(
    parser="hier_config:huawei_vrp",
    block_separator="#",
    replace=(
        r"^(?P<key>sysname) ",
        r"^(?P<key>header (?:login|shell) information) ",
        r"^(?P<key>clock timezone) ",
        r"^(?P<key>stp mode) ",
        r"^(?P<key>description) ",
        r"^(?P<key>port link-type) ",
        r"^(?P<key>port default vlan) ",
        r"^(?P<key>port trunk pvid vlan) ",
        r"^(?P<key>ip address) (?!.* sub$)",
        r"^(?P<key>storm-control (?:broadcast|multicast|unicast) min-rate) ",
        r"^(?P<key>storm-control action) ",
        r"^(?P<key>idle-timeout) ",
        r"^(?P<key>protocol inbound) ",
        r"^(?P<key>authentication-mode) ",
        r"^(?P<key>acl) \d+ inbound$",  # one inbound ACL per user-interface: the last wins
        r"^(?P<key>local-user \S+ privilege level) ",
        r"^(?P<key>local-user \S+ service-type) ",
        r"^(?P<key>local-user \S+ password) ",
        r"^(?P<key>name) ",
        r"^(?P<key>dot1q termination vid) ",
        r"^(?P<key>qos gts cir) ",
        r"^(?P<key>trust dscp)\b",
        r"^(?P<key>snmp-agent sys-info version) ",
        # an ACL's rule is named by its ID: 'rule 5 ...' typed again edits rule 5, and
        # 'undo rule 5' removes it (never 'undo rule 5 <old text>' after the new one is in)
        r"^(?P<key>rule \d+) ",
    ),
    owned=(
        r"^snmp-agent community ",
        r"^snmp-agent target-host ",
        r"^snmp-agent usm-user ",
        r"^ntp-service unicast-server ",
        r"^info-center loghost ",
        r"^telnet server enable$",
        r"^http (?:secure-)?server enable$",
        r"^header (?:login|shell) information ",
    ),
    lists=(
        ListRule(
            "trunk-allow-pass",
            r"^(?P<head>port trunk allow-pass vlan) (?P<items>\d[\d to]*)$",
            add="{head} {items}",
            remove="undo {head} {items}",
            separator=" ",
            range_word=" to ",
        ),
        ListRule(
            "vlan-batch",
            r"^(?P<head>vlan batch) (?P<items>\d[\d to]*)$",
            add="{head} {items}",
            separator=" ",
            range_word=" to ",
        ),
    ),
    protected=(
        r"^interface Vlanif{mgmt_vlan}$",
        r"^interface Vlanif{mgmt_vlan} > ip address ",
        r"^user-interface vty ",
        r"^aaa > local-user {login_user} ",
        r"^stelnet server enable$",
        r"^ssh user {login_user} ",
        # AAA schemes and domains: logins depend on them, and VRP refuses to remove defaults
        r"^aaa > (?:authentication|authorization|accounting)-scheme ",
        r"^aaa > domain ",
    ),
    # (default routes: the state guard, communet.plan.guard)
    guarded=(r"^interface Vlanif{mgmt_vlan} > ip address ",),
    # Static default routes: 'ip route-static' adds a route beside the others to the same
    # destination (several next hops load-balance), so the intended one is added and the
    # others are undone by destination, mask (shown as '0.0.0.0' or '0') and next hop;
    # whether one carries today's session is the state guard's to judge ('default-route').
    several=(
        r"^(?P<item>(?P<set>ip route-static 0\.0\.0\.0) 0(?:\.0\.0\.0)? "
        r"(?P<hop>[A-Za-z]\S*(?: \d+\.\d+\.\d+\.\d+)?|\d+\.\d+\.\d+\.\d+))(?= |$)",
    ),
    duplicates_under=(r"^acl ",),
    state=StateRules(
        interface=r"^interface (?P<name>\S+)$",
        physical=(
            r"^(?:Ethernet|GigabitEthernet|XGigabitEthernet|MultiGE|GE|10GE|25GE|40GE|100GE)"
            r"\d+(?:/\d+)+$"
        ),
        svi=r"^Vlanif(?P<vlan>\d+)$",
        lag=r"^Eth-Trunk\d+$",
        mode=r"^port link-type (?P<mode>access|trunk|hybrid|dot1q-tunnel)$",
        routed=r"^undo portswitch$",
        access_vlan=r"^port default vlan (?P<vlan>\d+)$",
        native_vlan=r"^port trunk pvid vlan (?P<vlan>\d+)$",
        allowed_list="trunk-allow-pass",
        member=r"^eth-trunk (?P<group>\d+)$",
        shutdown=r"^shutdown$",
        address=r"^ip address (?P<ip>\d+\.\d+\.\d+\.\d+) (?P<mask>\d[\d.]*)\b",
        description=r"^description (?P<text>.*)$",
        vlan=r"^vlan (?P<vlan>\d+)$",
        vlan_list="vlan-batch",
        user=r"^aaa > local-user (?P<user>\S+) (?:password|privilege|service-type)\b",
        aaa=(
            r"^aaa > (?:authentication-scheme|authorization-scheme|accounting-scheme|domain)"
            r" \S+$"
        ),
        stp_mode=r"^stp mode (?P<mode>\S+)$",
        stp_default="mstp",
        default_route=r"^(?P<key>ip route-static 0\.0\.0\.0 0(?:\.0\.0\.0)? \S+)(?: .*)?$",
        vty_acl=r"^user-interface vty .* > acl (?P<acl>\d+) inbound$",
        acl=r"^acl (?:number )?{acl}(?: .*)?(?: > .*)?$",
        # 'rule 5 permit source A W' ('0' for one host), 'rule 10 deny' (no source: any)
        acl_entry=r" > rule (?:\d+ )?(?P<action>permit|deny)"
        r"(?: source (?:(?P<any>any)|(?P<address>[\d.]+) (?P<wildcard>[\d.]+)))?$",
        trunk_default_all=False,
        # the PHY column: up, down, *down (shut), ^down (standby)
        link_command="display interface brief",
        link_line=r"^(?P<name>[A-Za-z][\w-]*\d[\d/.:]*)\s+(?P<link>\*?\^?down|up)(?:\(\w+\))?\s",
        causes=(
            ("port-shut", r"^\s*shutdown$"),
            ("trunk-remode", r"^\s*(?:undo )?port link-type"),
            ("live-port-remode", r"^\s*(?:undo )?(?:portswitch|port link-type)"),
            ("routed-port", r"^\s*(?:undo )?(?:portswitch|port link-type)"),
            ("access-vlan-reset", r"^\s*undo port default vlan"),
            ("lag-member", r"^\s*undo eth-trunk"),
            ("native-vlan", r"^\s*(?:undo )?port trunk pvid vlan"),
            ("trunk-vlan-in-use", r"^\s*(?:undo )?port trunk allow-pass vlan"),
            ("vlan-in-use", r"^\s*undo vlan "),
            ("management-path", r"^\s*(?:undo )?ip address"),
            ("management-moved", r"^\s*(?:undo )?ip address"),
            ("address-overlap", r"^\s*ip address "),
            ("default-route", r"^\s*(?:undo )?ip route-static 0\.0\.0\.0"),
            ("default-route-replaced", r"^\s*undo ip route-static 0\.0\.0\.0"),
            ("vty-acl-added", r"^\s*acl \d+ inbound"),
            ("vty-acl", r"^\s*(?:undo )?(?:acl|rule)\b"),
            ("vty-acl-noc", r"^\s*(?:undo )?(?:acl|rule|user-interface vty)\b"),
            ("login-removed", r"^\s*undo local-user"),
            ("last-user", r"^\s*undo local-user"),
            ("aaa-removed", r"^\s*undo (?:domain|authentication-scheme|authorization-scheme)"),
            ("stp-mode", r"^\s*stp mode"),
            ("interface-removed", r"^\s*undo interface "),
        ),
    ),
    permanent=PERMANENT,
    # defaults shown only when turned off (their positive form takes the 'undo' line away)
    # 'Error: Please renew the default configurations.' (S2700/S5700: a port's link type
    # changes only once its VLAN lines are back at their defaults; Huawei KB EKB1000017070)
    mode_change=r"^port link-type ",
    mode_bound=(r"^(?:undo )?port (?:trunk (?:allow-pass|pvid)|default vlan|hybrid) ",),
    shown_negations=(
        r"^undo (?:ntdp|ndp|lldp) enable$",
        r"^undo local-user password change-offline enable$",
        r"^undo ssh authentication-type default password$",
    ),
)

# Adoption: a vendor's VLAN interface that carried today's address and that the intended
# config does not manage loses its address in stage 3 ('undo ip address' with no argument
# removes the primary address, S5720/S5735 command references), the interface itself stays.
# 'ip route-static' adds a route beside others to the same destination (several next hops
# load-balance), so the new default route is added in stage 1 and the old one, via today's
# subnet, is undone in stage 3: make-before-break for the way back to the NOC too.
ADOPTION = AdoptionRules(
    drop_address=("interface {interface}", " undo ip address", "quit"), drop_old_gateway=True
)

SPEC = PlatformSpec(
    name="huawei_vrp",
    vendor="Huawei",
    netmiko_device_type="huawei",
    ansible_network_os="community.network.ce",
    roles=NETWORK_ROLES,
    connection=CONNECTION,
    errors=ERRORS,
    save=SAVE,
    trial=TRIAL,
    syntax=SYNTAX,
    idempotency=IDEMPOTENCY,
    lint=LINT,
    secrets=SECRETS,
    safe_forms=SAFE_FORMS,
    template_dirs=("huawei_vrp",),
    templates=TEMPLATES,
    plan=PLAN,
    adoption=ADOPTION,
)
