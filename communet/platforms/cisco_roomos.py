"""Cisco TelePresence / RoomOS codecs: xAPI over SSH (netmiko ``cisco_tp``).

There is no config mode: every ``xConfiguration Path: value`` line is applied and persisted
at once and answered with ``OK`` or ``ERROR``; ``xCommand`` prints ``OK`` *before* its
result, so a response is complete only at ``** end``. Setting paths differ by firmware
family: TC and CE8 use ``SIP Profile 1 …`` / ``H323 Profile 1 …``, CE9+ and RoomOS drop
``Profile 1``. Old firmware defaulted DSCP to 0, so QoS values are always set explicitly.
"""

from __future__ import annotations

from communet.platforms.spec import (
    ConfigSyntax,
    Connection,
    ErrorRules,
    FirmwareFamily,
    IdempotencyRule,
    LintRule,
    PlanRules,
    PlatformSpec,
    SaveRules,
    SecretPattern,
    TextRules,
    TrialCommit,
)

CONNECTION = Connection(
    netmiko_device_type="cisco_tp",
    prompt=r"(?:^|\n)(?:OK|\*\* end)\s*$",
    connect_options=(("disable_lf_normalization", True),),
    config_options=(
        ("enter_config_mode", False),
        ("exit_config_mode", False),
        ("cmd_verify", False),
    ),
)

ERRORS = ErrorRules(
    patterns=(
        r"^ERROR\b",
        r"\(status=Error\)",
        r"^\*r \S+ Error",
        r"^Command not recognized",
        r"^\s*Reason: ",
    ),
    success=r"^OK$",
    terminator=r"^\*\* end$",
)

# Settings are stored the moment they are accepted: nothing to save.
SAVE = SaveRules(command="", success=r"^OK$")

TRIAL = TrialCommit(
    method="backup_restore",
    backup="xConfiguration",
    note=(
        "no transaction: keep the pre-change 'xConfiguration' listing and write back the "
        "previous values of every changed path on failure"
    ),
)

SYNTAX = ConfigSyntax(
    show_running="xConfiguration",
    negation="",
    running_prefix="*c ",
    ignore=(r"^\*\* end$", r"^OK$", r"^\s*$"),
    text=TextRules(
        forbidden="",
        max_length=100,
        quote='"',
        escapes=(("\\", "\\\\"), ('"', '\\"')),
        unsafe_in_secrets=r"[\s\"\\]",
    ),
)

IDEMPOTENCY = (
    IdempotencyRule(
        "passwords",
        match=r"(?:Password|Passphrase): ",
        write_only=True,
        note="the codec never shows passwords back",
    ),
)

LINT = (
    LintRule(
        "own-address",
        r"^xConfiguration Network 1 (?:IPv4 (?:Address|Gateway|SubnetMask|Assignment)|VLAN Voice)",
        "changes the codec's own address or VLAN: the management session is cut",
        # Off sends untagged on the port's own VLAN, which is what the access switch gives
        # the meeting-room port: it keeps the path the session came in on.
        unless=r"VLAN Voice Mode: Off$",
        only_when_replacing=True,
    ),
    LintRule(
        "ssh-off",
        r"^xConfiguration NetworkServices SSH Mode: Off",
        "turns off the only management path",
    ),
    LintRule(
        "reset",
        r"^xCommand SystemUnit (?:FactoryReset|Boot)",
        "reboots or wipes the codec",
    ),
)

SECRETS = (
    SecretPattern(
        "setting",
        r"^(\*?c? ?xConfiguration .*(?:Password|Passphrase|Secret)\S*: \")(?P<secret>[^\"]*)",
    ),
    SecretPattern(
        "command", r"((?:Passphrase|Password|NewPassphrase|OldPassphrase): \")(?P<secret>[^\"]*)"
    ),
)

FIRMWARE = (
    FirmwareFamily(
        "tc",
        (
            ("sip", "SIP Profile 1"),
            ("h323", "H323 Profile 1"),
            ("telnet", "NetworkServices Telnet Mode"),
        ),
    ),
    FirmwareFamily(
        "ce8",
        (
            ("sip", "SIP Profile 1"),
            ("h323", "H323 Profile 1"),
            ("telnet", "NetworkServices Telnet Mode"),
        ),
    ),
    FirmwareFamily(
        "ce9", (("sip", "SIP"), ("h323", "H323"), ("telnet", "NetworkServices Telnet Mode"))
    ),
    # RoomOS has no Telnet server at all: there is no setting to turn off.
    FirmwareFamily("roomos", (("sip", "SIP"), ("h323", "H323"), ("telnet", ""))),
)

# Settings are a flat list keyed by path; a changed value is set again, nothing is negated.
PLAN = PlanRules(parser="xconfig")

SPEC = PlatformSpec(
    name="cisco_roomos",
    vendor="Cisco",
    netmiko_device_type="cisco_tp",
    ansible_network_os="communet.roomos",
    roles=frozenset({"video_endpoint"}),
    firmware_families=tuple(f.name for f in FIRMWARE),
    connection=CONNECTION,
    errors=ERRORS,
    save=SAVE,
    trial=TRIAL,
    syntax=SYNTAX,
    idempotency=IDEMPOTENCY,
    lint=LINT,
    secrets=SECRETS,
    template_dirs=("cisco_roomos",),
    templates=(("video_endpoint", ("baseline.j2", "video_endpoint.j2")),),
    firmware=FIRMWARE,
    plan=PLAN,
)
