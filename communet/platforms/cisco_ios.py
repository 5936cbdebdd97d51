"""Cisco IOS / IOS-XE switches and routers (Catalyst 2960X/3850/9200, ISR 4000)."""

from __future__ import annotations

from communet.platforms.spec import (
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
    netmiko_device_type="cisco_ios",
    prompt=r"[\w.-]+#\s*$",
    config_prompt=r"[\w.-]+\(config[^)]*\)#\s*$",
    enter_config=("configure terminal",),
    exit_config=("end",),
    pager_off=("terminal length 0", "terminal width 0"),
    connect_options=(("fast_cli", True),),
    # A banner line would silently switch off echo checking for the whole list (netmiko's
    # default bypass_commands); banners are sent as their own block instead.
    config_options=(("bypass_commands", ""), ("cmd_verify", True)),
)

ERRORS = ErrorRules(
    patterns=(
        r"^% Invalid input",
        r"^% Incomplete command",
        r"^% Ambiguous command",
        r"^% Unknown command",
        r"^% Bad mask",
        r"^% Invalid .* address",
        # Informational '% Access VLAN does not exist. Creating vlan 20' is not a refusal.
        r"^%(?! Access VLAN does not exist)\s*\S.*(?:not|cannot|failed|error)",
        r"^% ?Error",
        r"^% \S+ overlaps with ",  # an address in a subnet another interface has
    ),
)

SAVE = SaveRules(
    command="write memory",
    success=r"\[OK\]",
    alternatives=("copy running-config startup-config",),
    answers=(PromptAnswer(r"Destination filename \[startup-config\]\?", ""),),
)

ARCHIVE_PATH = "flash:communet-archive"

TRIAL = TrialCommit(
    method="revert_timer",
    start=("configure terminal revert timer {minutes}",),
    confirm=("configure confirm",),
    abort=("configure replace {path} force",),
    requires=("archive", f" path {ARCHIVE_PATH}"),
    backup="copy running-config {path}",
    restore="configure replace {path} force",
    answers=(
        PromptAnswer(r"Destination filename \[.*\]\?", ""),
        PromptAnswer(r"Do you want to proceed\? \[no\]:", "yes"),
    ),
    note=(
        "the revert timer needs 'archive' with a 'path'; the device rolls back by itself "
        "unless 'configure confirm' arrives within the timer"
    ),
)

SYNTAX = ConfigSyntax(
    show_running="show running-config",
    negation="no ",
    comment_prefixes=("!",),
    ignore=(
        r"^Building configuration",
        r"^Current configuration : \d+ bytes",
        r"^! Last configuration change",
        r"^! NVRAM config last updated",
        r"^! No configuration change since last restart",
        r"^ntp clock-period ",
        r"^!\s*$",
        r"^end$",
        r"^version \d",
        r"^\s*$",
    ),
    block_exit=("exit",),
    implicit=(r"^\s*no shutdown$",),
    text=TextRules(forbidden="?", max_length=200, unsafe_in_secrets=r"[\s?\"']"),
)

IDEMPOTENCY = (
    IdempotencyRule(
        "local-user",
        match=r"^username \S+ .*secret ",
        key=r"^(?P<key>username \S+(?: privilege \d+)?)",
        note="running config shows 'secret 9 $9$…' (a hash): compare by 'username X'",
    ),
    IdempotencyRule(
        "enable-secret",
        match=r"^enable (?:algorithm-type \S+ )?secret ",
        key=r"^(?P<key>enable) ",
        note="shown hashed",
    ),
    IdempotencyRule(
        "snmpv3-user",
        match=r"^snmp-server user ",
        write_only=True,
        note="SNMPv3 users never appear in the running config; verify with 'show snmp user'",
    ),
    IdempotencyRule(
        "no-shutdown",
        match=r"^\s*no shutdown$",
        write_only=True,
        note="the default: absent from the running config",
    ),
)

LINT = (
    LintRule(
        "delete-vlan",
        r"^\s*no vlan \d",
        "deletes a VLAN: every access port in it stops forwarding",
        safe_form="leave unused VLANs in place; prune them from trunks with 'remove'",
    ),
    LintRule(
        "trunk-allowed-reset",
        r"^\s*no switchport trunk allowed vlan",
        "resets a trunk's allowed list: the uplink briefly carries nothing or everything",
        safe_form="switchport trunk allowed vlan add|remove <ids>",
        # a 9200's access ports often keep an allowed list from an earlier life: inert there
        unless_running=r"^switchport mode access$",
    ),
    LintRule(
        "trunk-allowed-replace",
        r"^\s*switchport trunk allowed vlan (?!add |remove |except |all$|none$)",
        "replaces the whole allowed list of a live trunk",
        safe_form="switchport trunk allowed vlan add <missing ids>",
        only_when_replacing=True,
    ),
    LintRule(
        "trunk-allowed-none",
        r"^\s*switchport trunk allowed vlan none$",
        "removes every VLAN from a trunk",
    ),
    LintRule(
        "delete-svi",
        r"^\s*no interface Vlan\d+",
        "removes an SVI: the management path if it is the MGMT VLAN",
    ),
    LintRule(
        "remove-ip",
        r"^\s*no ip address",
        "removes an interface address (management path)",
        unless=r"^\s*no ip address$",  # a bare 'no ip address' is shown on unaddressed ports
        only_when_replacing=True,
    ),
    LintRule(
        "remove-default",
        r"^\s*no ip default-gateway",
        "removes the default gateway: the device becomes unreachable",
    ),
    LintRule(
        "mode-change",
        r"^\s*no switchport mode trunk",
        "turns an uplink into an access port",
    ),
)

SECRETS = (
    SecretPattern(
        "username",
        r"^(username \S+ .*?(?:secret|password)(?: \d+)? )(?P<secret>\S+)",
    ),
    SecretPattern(
        "enable", r"^(enable (?:algorithm-type \S+ )?(?:secret|password)(?: \d+)? )(?P<secret>\S+)"
    ),
    SecretPattern("community", r"^(snmp-server community )(?P<secret>\S+)"),
    SecretPattern(
        "snmpv3-user",
        r"^(snmp-server user \S+ \S+ v3 auth \S+ )(?P<secret_auth>\S+)"
        r"(?:( priv \S+(?: \d+)? )(?P<secret_priv>\S+))?",
    ),
    SecretPattern("line-password", r"^(\s*password(?: \d+)? )(?P<secret>\S+)"),
    SecretPattern("key-string", r"^(\s*(?:\S.*? )?key-string(?: \d+)? )(?P<secret>\S+)"),
    SecretPattern(
        "snmp-host-community",
        r"^(snmp-server host \S+(?: vrf \S+)?(?: (?:traps|informs))?(?: version (?:1|2c))? )"
        r"(?P<secret>(?!version\b|traps\b|informs\b|vrf\b)\S+)",
    ),
    SecretPattern(
        "server-host-key",
        r"^(\s*(?:tacacs|radius)-server host \S.*? key(?: [07])? )(?P<secret>\S+)",
    ),
    SecretPattern(
        "service-password",
        r"^(\s*(?:ip (?:ftp|http client)|ppp chap|ppp pap sent-username \S+) password(?: [07])? )"
        r"(?P<secret>\S+)",
    ),
    SecretPattern("isakmp-key", r"^(\s*crypto isakmp key(?: [06])? )(?P<secret>\S+)"),
    SecretPattern(
        "standby-auth", r"^(\s*standby(?: \d+)? authentication(?: text)? )(?P<secret>(?!md5\b)\S+)"
    ),
    SecretPattern(
        "key",
        r"^(\s*(?:ip ospf message-digest-key \d+ md5|ip ospf authentication-key|key"
        r"|pre-shared-key|tacacs-server key|radius-server key)(?: [07])? )(?P<secret>\S+)",
    ),
    SecretPattern("neighbor-password", r"^(\s*neighbor \S+ password(?: \d+)? )(?P<secret>\S+)"),
)

SAFE_FORMS = (
    ("switchport trunk allowed vlan <list>", "switchport trunk allowed vlan add <ids>"),
    ("no switchport trunk allowed vlan", "switchport trunk allowed vlan remove <ids>"),
    ("no vlan <id>", "leave the VLAN; remove it from trunks with 'remove'"),
    ("no switchport access vlan", "switchport access vlan <id> (direct move, never via VLAN 1)"),
)

PLAN = PlanRules(
    parser="hier_config:cisco_ios",
    # A new value replaces the old one in place: IOS needs no 'no' first for these.
    replace=(
        r"^(?P<key>hostname) ",
        r"^(?P<key>ip domain[ -]name) ",
        r"^(?P<key>logging trap) ",
        r"^(?P<key>banner (?:login|motd|exec|incoming|slip-ppp|prompt-timeout)) ",
        r"^(?P<key>username \S+) ",
        r"^(?P<key>enable) (?:algorithm-type \S+ )?secret ",
        r"^(?P<key>ip default-gateway) ",
        r"^(?P<key>spanning-tree mode) ",
        r"^(?P<key>vtp mode) ",
        r"^(?P<key>ip ssh (?:version|time-out|authentication-retries)) ",
        r"^(?P<key>login block-for) ",
        r"^(?P<key>snmp-server (?:location|contact)) ",
        r"^(?P<key>clock timezone) ",
        r"^(?P<key>service timestamps (?:debug|log))\b",
        r"^(?P<key>description) ",
        r"^(?P<key>switchport access vlan) ",
        r"^(?P<key>switchport mode) ",
        r"^(?P<key>switchport trunk native vlan) ",
        r"^(?P<key>switchport voice vlan) ",
        r"^(?P<key>ip address) (?!.* secondary$)",
        r"^(?P<key>storm-control (?:broadcast|multicast|unicast) level) ",
        r"^(?P<key>storm-control action) ",
        r"^(?P<key>spanning-tree portfast)\b",
        r"^(?P<key>service-policy (?:input|output)) ",
        r"^(?P<key>exec-timeout) ",
        r"^(?P<key>access-class) ",
        r"^(?P<key>transport input) ",
        # a line's login method: 'login local' replaces 'login'; a 'no login' after it
        # would take the line's login away altogether
        r"^(?P<key>login)(?:$| local$| authentication )",
        r"^(?P<key>name) ",
        r"^(?P<key>maximum) ",
        r"^(?P<key>path) ",
        r"^(?P<key>encapsulation dot1Q) ",
        r"^(?P<key>bandwidth) ",
        r"^(?P<key>shape average) ",
        r"^(?P<key>mls qos trust) ",
    ),
    # Top-level lines communet owns: extras on the device are removed.
    owned=(
        r"^snmp-server community ",
        r"^snmp-server host ",
        r"^snmp-server group ",
        r"^ntp server ",
        r"^logging host ",
        r"^username ",
        r"^ip http (?:secure-)?server$",
        r"^banner ",
        r"^line vty ",
        r"^ip access-list (?:standard|extended) CN-",
    ),
    lists=(
        ListRule(
            "trunk-allowed",
            r"^(?P<head>switchport trunk allowed vlan)(?: add)? (?P<items>\d[\d,-]*)$",
            add="{head} add {items}",
            remove="{head} remove {items}",
            separator=",",
            range_word="-",
        ),
    ),
    # The session runs through these: never removed, and changing them needs --force.
    protected=(
        r"^interface Vlan{mgmt_vlan}$",
        r"^interface Vlan{mgmt_vlan} > ip address ",
        r"^ip default-gateway ",
        r"^line vty ",
        r"^username {login_user} ",
        r"^ip ssh version 2$",
    ),
    # Static default routes: a second 'ip route 0.0.0.0 0.0.0.0 X' is added beside the first
    # (equal-cost, or floating with a distance), so the intended one is added and the others
    # are removed by destination, mask and next hop; whether one carries today's session is
    # the state guard's to judge (communet.plan.guard, 'default-route').
    several=(
        r"^(?P<item>(?P<set>ip route 0\.0\.0\.0) 0\.0\.0\.0 "
        r"(?P<hop>[A-Za-z]\S*(?: \d+\.\d+\.\d+\.\d+)?|\d+\.\d+\.\d+\.\d+))(?= |$)",
    ),
    inline_parents=(r"^shape (?:average|peak) ",),
    duplicates_under=(r"^ip access-list ", r"^banner "),
    state=StateRules(
        interface=r"^interface (?P<name>\S+)$",
        physical=(
            r"^(?:Fast|Gigabit|TenGigabit|TwoGigabit|FiveGigabit|TwentyFiveGig|FortyGigabit"
            r"|HundredGig)?Ethernet\d+(?:/\d+)+$|^(?:TwentyFiveGigE|HundredGigE)\d+(?:/\d+)+$"
        ),
        svi=r"^Vlan(?P<vlan>\d+)$",
        lag=r"^Port-channel\d+$",
        mode=r"^switchport mode (?P<mode>access|trunk|dynamic \w+|dot1q-tunnel)$",
        routed=r"^no switchport$",
        access_vlan=r"^switchport access vlan (?P<vlan>\d+)$",
        native_vlan=r"^switchport trunk native vlan (?P<vlan>\d+)$",
        allowed_list="trunk-allowed",
        member=r"^channel-group (?P<group>\d+)\b",
        shutdown=r"^shut(?:down)?$",  # IOS takes the abbreviation (configs typed by hand)
        address=r"^ip address (?P<ip>\d+\.\d+\.\d+\.\d+) (?P<mask>\d[\d.]*)\b",
        description=r"^description (?P<text>.*)$",
        vlan=r"^vlan (?P<vlan>\d+)$",
        vlan_list="",
        user=r"^username (?P<user>\S+) ",
        aaa=r"^aaa (?:authentication|authorization) (?:login|exec|enable) ",
        stp_mode=r"^spanning-tree mode (?P<mode>\S+)$",
        stp_default="pvst",
        default_route=(
            r"^(?P<key>ip default-gateway \S+|ip route 0\.0\.0\.0 0\.0\.0\.0 \S+)(?: .*)?$"
        ),
        vty_acl=r"^line vty .* > access-class (?P<acl>\S+) in\b",
        acl=r"^(?:ip access-list (?:standard|extended) {acl}(?: > .*)?|access-list {acl} .*)$",
        # 'access-list 10 permit host A', '... > 10 permit A W', '... > deny any log'
        acl_entry=r"(?:^access-list \S+ | > (?:\d+ )?)(?P<action>permit|deny) "
        r"(?:(?P<any>any)|host (?P<host>[\d.]+)|(?P<address>[\d.]+)(?: (?P<wildcard>[\d.]+))?)"
        r"(?: log)?$",
        acl_numbered=r"^access-list \S+ ",
        trunk_default_all=True,
        # full interface names (unlike 'show interfaces status'); Protocol up = a link
        link_command="show ip interface brief",
        link_line=(
            r"^(?P<name>[A-Za-z][\w-]*\d\S*)\s+\S+\s+\S+\s+\S+\s+"
            r"(?:administratively down|up|down)\s+(?P<link>up|down)\s*$"
        ),
        causes=(
            ("port-shut", r"^\s*shut(?:down)?$"),
            ("trunk-remode", r"^\s*(?:no )?switchport mode "),
            ("live-port-remode", r"^\s*(?:no )?switchport(?: mode .*)?$"),
            ("routed-port", r"^\s*(?:no )?switchport(?: mode .*)?$"),
            ("access-vlan-reset", r"^\s*no switchport access vlan"),
            ("lag-member", r"^\s*no channel-group"),
            ("native-vlan", r"^\s*(?:no )?switchport trunk native vlan"),
            ("trunk-vlan-in-use", r"^\s*(?:no )?switchport trunk allowed vlan"),
            ("vlan-in-use", r"^\s*no vlan "),
            ("management-path", r"^\s*(?:no )?ip address"),
            ("management-moved", r"^\s*(?:no )?ip address"),
            ("address-overlap", r"^\s*ip address "),
            ("default-route", r"^\s*(?:no )?ip (?:default-gateway|route 0\.0\.0\.0)"),
            ("default-route-replaced", r"^\s*no ip route 0\.0\.0\.0"),
            ("vty-acl-added", r"access-class"),
            ("vty-acl", r"access-class|access-list|^\s*(?:no )?(?:permit|deny|remark)\b"),
            ("vty-acl-noc", r"access-class|access-list|^\s*(?:no )?(?:permit|deny)\b|^line vty"),
            ("login-removed", r"^\s*no username"),
            ("last-user", r"^\s*no username"),
            ("aaa-removed", r"^\s*no aaa "),
            ("stp-mode", r"^\s*spanning-tree mode"),
            ("interface-removed", r"^\s*no interface "),
        ),
    ),
    # Physical ports, the console/vty lines and Vlan1 exist whatever the config says: IOS
    # refuses 'no interface FastEthernet0/1'.
    permanent=(
        r"^interface (?:Fast|Gigabit|TwoGigabit|TenGigabit|FortyGigabit|AppGigabit)?Ethernet"
        r"[\d/]+$",
        r"^interface Vlan1$",
        r"^line (?:con|aux|vty) [\d ]+$",
        r"^control-plane$",
        # Defaults some images print (IOSv: ' no shutdown', ' negotiation auto', ' media-type
        # rj45'): "removing" them would shut the port or turn autonegotiation off.
        r"^interface \S+ > (?:no shut(?:down)?|negotiation auto|media-type rj45)$",
    ),
    # (default routes and gateways: the state guard, communet.plan.guard)
    guarded=(r"^interface Vlan{mgmt_vlan} > ip address ",),
)

SPEC = PlatformSpec(
    name="cisco_ios",
    vendor="Cisco",
    netmiko_device_type="cisco_ios",
    ansible_network_os="cisco.ios.ios",
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
    template_dirs=("cisco_ios",),
    templates=(
        ("access_switch", ("baseline.j2", "access_switch.j2")),
        ("aggregation_switch", ("baseline.j2", "aggregation_switch.j2")),
        ("ce_router", ("baseline.j2", "ce_router.j2")),
        ("internet_router", ("baseline.j2",)),
    ),
    plan=PLAN,
)
