"""Per-platform data sanity: every platform declares what the engine needs."""

from __future__ import annotations

import re

import pytest

from communet.platforms import PLATFORMS, get_platform
from communet.render.render import TEMPLATE_ROOT
from communet.secrets import mask_secrets

NETWORK = ("cisco_ios", "huawei_vrp", "huawei_vrpv8")


@pytest.mark.parametrize("name", sorted(PLATFORMS))
def test_platform_declares_the_basics(name: str) -> None:
    spec = PLATFORMS[name]
    assert spec.connection is not None
    assert spec.connection.netmiko_device_type == spec.netmiko_device_type
    assert spec.errors.patterns, "every platform needs error patterns"
    assert spec.save is not None
    assert spec.syntax is not None
    assert spec.syntax.show_running
    assert spec.secrets, "every platform needs secret patterns for masking"
    for pattern in (
        *spec.errors.patterns,
        spec.connection.prompt,
        *spec.syntax.ignore,
        *(r.pattern for r in spec.lint),
        *(s.pattern for s in spec.secrets),
        *(i.match for i in spec.idempotency),
    ):
        re.compile(pattern)
    for role in spec.roles:
        names = spec.templates_for(role)
        assert names, f"{name} has no templates for {role}"
        for template in names:
            assert any((TEMPLATE_ROOT / d / template).is_file() for d in spec.template_dirs)
    assert {f.name for f in spec.firmware} == set(spec.firmware_families)


@pytest.mark.parametrize("name", NETWORK)
def test_network_platforms_have_cli_rules(name: str) -> None:
    spec = PLATFORMS[name]
    assert spec.save is not None
    assert spec.save.command
    assert spec.syntax is not None
    assert spec.syntax.negation in ("no ", "undo ")
    assert spec.syntax.comment_prefixes
    assert spec.lint
    assert spec.idempotency
    assert spec.safe_forms
    assert spec.trial.method in ("revert_timer", "commit_trial", "backup_restore")
    assert spec.connection is not None
    assert spec.connection.enter_config


def test_error_patterns_match_real_messages() -> None:
    ios = PLATFORMS["cisco_ios"].errors
    assert ios.first_error("sw1(config)#foo\n% Invalid input detected at '^' marker.\n")
    assert ios.first_error("% Incomplete command.")
    assert ios.first_error('% Ambiguous command:  "sh"')
    assert ios.first_error("sw1(config)#vlan 10\nsw1(config-vlan)#") is None
    vrp = PLATFORMS["huawei_vrp"].errors
    assert vrp.first_error("Error: Unrecognized command found at '^' position.") is not None
    roomos = PLATFORMS["cisco_roomos"].errors
    assert roomos.first_error("*r Configuration (status=Error):\n** end\nERROR") is not None
    assert roomos.first_error("** end\n\nOK") is None
    assert roomos.first_error("Command not recognized.") == "Command not recognized."
    # A value error as Cisco's jsxapi tests show the codec's JSON reply to a bad value
    # (cisco-ce/jsxapi test/backend/tsh.spec.ts): the leaf itself, marked error="True".
    value_error = (
        '{\n  "Configuration":{\n    "Audio":{\n      "DefaultVolume":{\n'
        '        "error":"True",\n        "Value":"Illegal value"\n      }\n    }\n  }\n}'
    )
    assert roomos.first_error(value_error) == '"Value":"Illegal value"'
    assert roomos.first_error('*c xConfiguration SystemUnit Name: "Illegal values"') is None
    assert roomos.terminator == r"^\*\* end$"


def test_roomos_session_options() -> None:
    spec = get_platform("cisco_roomos")
    assert spec.connection is not None
    assert spec.connection.connect_kwargs() == {
        "device_type": "cisco_tp",
        "disable_lf_normalization": True,
    }
    assert spec.connection.config_kwargs()["enter_config_mode"] is False
    assert spec.connection.config_kwargs()["exit_config_mode"] is False


def test_save_and_trial_primitives() -> None:
    ios, vrp, v8 = (PLATFORMS[n] for n in NETWORK)
    assert ios.save is not None
    assert ios.save.command == "write memory"
    assert "copy running-config startup-config" in ios.save.alternatives
    assert any("Destination filename" in a.pattern for a in ios.save.answers)
    assert ios.trial.start == ("configure terminal revert timer {minutes}",)
    assert ios.trial.confirm == ("configure confirm",)
    assert "archive" in ios.trial.requires
    assert vrp.save is not None
    assert vrp.save.command == "save"
    assert vrp.save.answers[0].answer == "y"
    assert vrp.trial.method == "backup_restore"
    assert v8.trial.commit == ("commit trial {seconds}",)
    assert v8.trial.abort == ("abort trial",)


def test_lint_rules() -> None:
    ios, vrp = PLATFORMS["cisco_ios"], PLATFORMS["huawei_vrp"]

    def names(spec_name: str, line: str) -> set[str]:
        return {r.name for r in PLATFORMS[spec_name].lint_hits(line)}

    assert names("cisco_ios", "no vlan 20") == {"delete-vlan"}
    assert names("cisco_ios", " no switchport trunk allowed vlan 10") == {"trunk-allowed-reset"}
    assert names("cisco_ios", " switchport trunk allowed vlan add 50") == set()
    assert names("cisco_ios", " switchport trunk allowed vlan 10,20") == {"trunk-allowed-replace"}
    assert names("cisco_ios", "no interface Vlan10") == {"delete-svi"}
    assert names("huawei_vrp", "undo vlan batch 10 20") == {"undo-vlan-batch"}
    assert names("huawei_vrp", " undo port trunk allow-pass vlan 10 20") == {"trunk-remove"}
    assert names("huawei_vrp", " undo port trunk allow-pass vlan 1") == set()
    assert names("huawei_vrp", " port trunk allow-pass vlan 10 20") == set()
    assert ios.lint
    assert vrp.lint


def test_idempotency_rules() -> None:
    ios = PLATFORMS["cisco_ios"]
    found = ios.idempotency_key("username admin privilege 15 algorithm-type scrypt secret pw")
    assert found is not None
    # The hash is not comparable, the privilege level is.
    assert found[1] == "username admin privilege 15"
    snmp = ios.idempotency_key("snmp-server user u CN-NOC v3 auth sha k priv aes 128 k")
    assert snmp is not None
    assert snmp[0].write_only
    vrp = PLATFORMS["huawei_vrp"]
    local = vrp.idempotency_key(" local-user admin password irreversible-cipher $1a$x$")
    assert local is not None
    assert local[1] == "local-user admin password"


@pytest.mark.parametrize(
    ("platform", "line", "kept"),
    [
        (
            "cisco_ios",
            "username admin privilege 15 secret 9 $9$abcdef",
            "username admin privilege 15 secret 9 ",
        ),
        ("cisco_ios", "enable secret 5 $1$xyz", "enable secret 5 "),
        ("cisco_ios", "snmp-server community public RO", "snmp-server community "),
        (
            "cisco_ios",
            "snmp-server user u G v3 auth sha AUTHKEY priv aes 128 PRIVKEY",
            "priv aes 128 ",
        ),
        ("cisco_ios", " password 7 0822455D0A16", " password 7 "),
        ("cisco_ios", " key 7 0822455D0A16", " key 7 "),
        (
            "huawei_vrp",
            " local-user a password irreversible-cipher $1c$SECRET$",
            "irreversible-cipher ",
        ),
        (
            "huawei_vrp",
            "snmp-agent usm-user v3 u authentication-mode sha cipher AUTHKEY",
            "cipher ",
        ),
        ("huawei_vrp", "snmp-agent community read cipher PUBLICKEY", "snmp-agent community read "),
        ("cisco_roomos", 'xConfiguration SIP Authentication Password: "PASSWORD1"', 'Password: "'),
        (
            "cisco_roomos",
            '*c xConfiguration SIP Authentication Password: "PASSWORD1"',
            'Password: "',
        ),
    ],
)
def test_mask_secrets(platform: str, line: str, kept: str) -> None:
    masked = mask_secrets(platform, line)
    assert "<masked>" in masked
    assert kept in masked
    for word in (
        "$9$abcdef",
        "$1$xyz",
        "public",
        "AUTHKEY",
        "PRIVKEY",
        "0822455D0A16",
        "SECRET",
        "PASSWORD1",
        "PUBLICKEY",
    ):
        assert word not in masked
    diff = mask_secrets(platform, f"+{line}\n-{line}")
    assert diff.count("<masked>") >= 2


def test_unknown_platform_lists_valid_ones() -> None:
    with pytest.raises(KeyError, match="valid platforms: cisco_ios"):
        get_platform("junos")
