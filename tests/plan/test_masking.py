"""No secret in any output: every secret form of the corpus, through every output a plan has.

Two sources of secrets: tests/plan/secrets/*.cfg hold one line per form (IOS: enable
password/secret, username password/secret, line passwords, SNMP communities including the
one on 'snmp-server host', TACACS/RADIUS keys old and new style, ISAKMP and HSRP keys; VRP:
local-user password cipher/irreversible-cipher/simple, SNMP communities, target-host
cipher, RADIUS/HWTACACS shared keys, console and super passwords), each value a unique
sentinel; and every secret value of the real corpus (its fakes are recognisable, the type-4
username secret by its hash). Outputs:
the masked commands and rollback, the diff, the unmanaged and protected lines, the findings,
and the error of a config that cannot be planned.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from communet.lab.ios_config import type4
from communet.plan import Context, Plan, PlanError, plan_config

from .real_configs import device_for, entries, plan_entry, render_for

SECRETS_DIR = Path(__file__).resolve().parent / "secrets"
SENTINELS = {
    "cisco_ios": [
        "cisco123",
        "EnAbLeSeCrEt5HASH",
        "UserPw0Clear",
        "UsErHaSh9SeCrEt",
        "0822455D0A16",
        "PubL1cRO",
        "Pr1vRW",
        "TrapCommunity1",
        "TrapCommunity2",
        "TacacsHostKey1",
        "TacacsKey2",
        "RadiusHostKey1",
        "RadiusKey7Hash",
        "TacacsBlockKey7",
        "RadiusBlockKey",
        "IsakmpPsk1",
        "HsrpKeyString",
        "ConsoleClearPw",
        "LinePw7Hash",
    ],
    "huawei_vrp": [
        "SuperCipher",
        "ReadCommCipher",
        "PlainWriteComm",
        "TargetCipher",
        "RadiusShared",
        "HwtacacsShared",
        "IrrevCipherHash",
        "OldCipherText",
        "TechSimplePw",
        "ConsoleCipher",
    ],
}
FIXTURE = {"cisco_ios": "ios.cfg", "huawei_vrp": "vrp.cfg", "huawei_vrpv8": "vrp.cfg"}
# A value of the corpus that is a secret: the corpus replaced each by a recognisable fake.
_CORPUS_VALUE = re.compile(
    r"(?:^|\s)(?:secret|password|key|community|cipher|irreversible-cipher)"
    r"(?: (?:cipher|simple|irreversible-cipher|read|write|[0-9]))* (\S+)"
)
# (the type-4 fake is the real SHA-256 hash of corpus-user: nothing in it says FAKE)
_FAKE = re.compile(rf"FAKE|^corpus-|^fake-|^[0-9A-F]{{12,}}$|^{re.escape(type4('corpus-user'))}$")


def outputs(plan: Plan) -> str:
    """Everything a plan shows anyone: CLI table and JSON, Ansible results, logs."""
    return "\n".join(
        (
            *plan.masked(plan.commands),
            *plan.masked(plan.rollback),
            plan.diff(),
            *plan.unmanaged,
            *plan.protected,
            *(f.render() for f in plan.findings),
        )
    )


def sentinels_of(platform: str) -> list[str]:
    return SENTINELS["cisco_ios" if platform == "cisco_ios" else "huawei_vrp"]


@pytest.mark.parametrize("platform", ["cisco_ios", "huawei_vrp", "huawei_vrpv8"])
def test_every_secret_form_is_masked_in_every_output_of_a_plan(platform: str) -> None:
    running = (SECRETS_DIR / FIXTURE[platform]).read_text("utf-8")
    device = device_for(platform)
    plan = plan_config(
        device.hostname, platform, running, render_for(device).text, Context(login_user="admin")
    )
    assert plan.changed  # the communities and extra users are removed: their lines are output
    shown = outputs(plan)
    for value in sentinels_of(platform):
        assert value in running
        assert value not in shown, value
        assert value in "\n".join(plan.commands) or value in plan.before  # really in play


def test_a_secret_on_a_line_that_cannot_be_planned_is_masked_in_the_error() -> None:
    running = "line vty 0 4\n password 7 0822455D0A16\n password 7 0822455D0A16\n"
    with pytest.raises(PlanError) as caught:
        plan_config("sw", "cisco_ios", running, "hostname sw\n")
    assert str(caught.value) == (
        "sw: cannot plan: running config line 3 'password 7 <masked>': the same line twice in "
        "the section 'line vty 0 4' (hier_config cannot hold it; check the indentation there); "
        "nothing was changed on this device"
    )


def test_the_pinned_unmanaged_enable_password_is_masked() -> None:
    plan = plan_config("sw", "cisco_ios", "enable password cisco123\n", "hostname sw\n")
    assert plan.unmanaged == ("enable password <masked>",)


ENTRIES = entries()


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.file for e in ENTRIES])
def test_no_secret_of_a_real_config_reaches_an_output(entry: object) -> None:
    outcome = plan_entry(entry)  # type: ignore[arg-type]
    text = outcome.entry.text
    values = {m.group(1) for m in _CORPUS_VALUE.finditer(text) if _FAKE.search(m.group(1))}
    shown = outputs(outcome.plan) if outcome.plan is not None else outcome.refused
    leaked = sorted(v for v in values if v in shown)
    assert leaked == []


def test_the_corpus_carries_the_secret_forms_the_masking_is_tested_on() -> None:
    forms = set()
    for entry in ENTRIES:
        for line in entry.text.splitlines():
            for form, pattern in _FORMS.items():
                if re.search(pattern, line) and any(_FAKE.search(w) for w in line.split()):
                    forms.add(form)
    assert forms == set(_FORMS)


_FORMS = {
    "enable secret": r"^enable secret [59] ",
    "enable password": r"^enable password ",
    "username secret": r"^username \S+ .*secret [59] ",
    "username secret 4": r"^username \S+ .*secret 4 ",
    "username password": r"^username \S+ .*password 7 ",
    "line password": r"^ password ",
    "snmp community": r"^snmp-server community ",
    "isakmp key": r"^crypto isakmp key ",
    "vrp local-user": r"^ local-user \S+ password irreversible-cipher ",
    "vrp local-user cipher": r"^ local-user \S+ password cipher ",
    "vrp local-user simple": r"^ local-user \S+ password simple ",
    "vrp community": r"^ ?snmp-agent community (?:read|write) cipher ",
    "vrp console password": r"^ set authentication password cipher ",
}
