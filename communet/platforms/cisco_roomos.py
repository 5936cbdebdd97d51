"""Cisco TelePresence / RoomOS codecs: xAPI over SSH (netmiko ``cisco_tp``).

There is no config mode: every ``xConfiguration Path: value`` line is applied and persisted
at once and answered with ``OK`` or ``ERROR``; ``xCommand`` prints ``OK`` *before* its
result, so a response is complete only at ``** end``. Setting paths differ by firmware
family: TC and CE8 use ``SIP Profile 1 …`` / ``H323 Profile 1 …``, CE9+ and RoomOS drop
``Profile 1``. Old firmware defaulted DSCP to 0, so QoS values are always set explicitly.
"""

from __future__ import annotations

from communet.platforms import xapi
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
        # The refusal's leaves, each on its own line: '*r Configuration Reason: "…"' and
        # '*r Configuration XPath: "Configuration/…"' (older output indents them).
        r"^\*r \w+ (?:Reason|XPath): ",
        r"^\s*Reason: ",
        # A value outside the setting's space: Cisco's jsxapi reads the codec's reply as the
        # setting's own leaf marked error="True" with the value "Illegal value" (no XPath).
        r"Illegal value\"?\s*$",
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

# Setting and status paths by firmware family. TC puts SIP and H.323 under ``Profile 1``
# (settings and SIP registration status alike); CE8 already uses the flat paths of CE9 and
# RoomOS. Which settings exist beyond these depends on the product and the version, and
# comes from Cisco's schema data (:mod:`communet.platforms.xapi`), not from here. The status
# paths are what provisioning, the exporter and the readiness check read.
FIRMWARE = (
    FirmwareFamily(
        "tc",
        (
            ("sip", "SIP Profile 1"),
            ("h323", "H323 Profile 1"),
            ("sip_registration_status", "SIP Profile 1 Registration 1 Status"),
            ("sip_registration_reason", "SIP Profile 1 Registration 1 Reason"),
            ("h323_gatekeeper_status", "H323 Gatekeeper Status"),
        ),
    ),
    *(
        FirmwareFamily(
            family,
            (
                ("sip", "SIP"),
                ("h323", "H323"),
                ("sip_registration_status", "SIP Registration 1 Status"),
                ("sip_registration_reason", "SIP Registration 1 Reason"),
                ("h323_gatekeeper_status", "H323 Gatekeeper Status"),
            ),
        )
        for family in ("ce8", "ce9", "roomos")
    ),
)

# Every firmware name the inventory may use (``ce9``, ``ce9.12``, ``roomos11.27.2.0`` …) and
# the family whose paths it uses; the version itself selects the schema.
FIRMWARE_ALIASES = tuple(
    (name, xapi.schema_family(xapi.resolve_version(name))) for name in xapi.firmware_names()
)


def registration_status_paths(firmware: str) -> dict[str, str]:
    """The ``xStatus`` paths of SIP and H.323 registration for a firmware name."""
    family = SPEC.firmware_family(firmware)
    if family is None:
        raise ValueError(f"unknown firmware {firmware!r} for cisco_roomos")
    paths = family.as_dict()
    return {
        "sip": paths["sip_registration_status"],
        "sip_reason": paths["sip_registration_reason"],
        "h323": paths["h323_gatekeeper_status"],
    }


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
    firmware_aliases=FIRMWARE_ALIASES,
    firmware_help="or a version such as ce9.12 or roomos11.27 (docs/codecs.md)",
    plan=PLAN,
)
