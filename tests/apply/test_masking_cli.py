"""Every secret form, through every output of ``communet plan`` and ``apply``, over real SSH.

A lab switch is loaded with a config holding one line per secret form (tests/plan/secrets,
sentinel values), logging in with the lab's own credentials written the device's way; then
plan (--json and the table) and apply (--json and the table, pre-change backups) run as a
user types them. No sentinel may appear on stdout, stderr or in a backup.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ..plan.test_masking import SENTINELS
from .conftest import DEMO, Site
from .test_apply_cli import invoke, login_env, vault_file

SECRETS_DIR = Path(__file__).resolve().parents[1] / "plan" / "secrets"
# the login lines of the fixture become the lab's own: their two values are not used here
IOS_SENTINELS = [v for v in SENTINELS["cisco_ios"] if v not in ("cisco123", "EnAbLeSeCrEt5HASH")]
VRP_SENTINELS = SENTINELS["huawei_vrp"]


def _ios_config(site: Site) -> str:
    """The IOS secrets fixture, its login lines in the lab's own credentials."""
    creds = site.lab.credentials
    lines = []
    for line in (SECRETS_DIR / "ios.cfg").read_text("utf-8").splitlines():
        if line.startswith("enable "):
            continue
        if line == " login":  # the vty lines log in with the local users (the lab's admin)
            lines.append(" login local")
            continue
        if line.startswith("username admin "):
            lines.append(f"username admin privilege 15 password 0 {creds.password}")
            lines.append("username clerk privilege 1 password 0 UserPw0Clear")
            continue
        lines.append(line)
    return "\n".join([*lines, f"enable password {creds.enable}", ""])


def _vrp_config(site: Site) -> str:
    creds = site.lab.credentials
    text = (SECRETS_DIR / "vrp.cfg").read_text("utf-8")
    text = text.replace(  # VRP5 serves SSH only with it
        "#\nuser-interface con 0\n", "#\nstelnet server enable\n#\nuser-interface con 0\n"
    )
    return text.replace(
        " local-user admin password irreversible-cipher $1a$IrrevCipherHash$\n",
        f" local-user {creds.username} password simple {creds.password}\n"
        f" local-user {creds.username} service-type ssh\n"
        " local-user audit password irreversible-cipher $1a$IrrevCipherHash$\n",
    )


IOS_SHOWN = {
    "no snmp-server community <masked> RO",
    "no snmp-server host 10.0.0.5 version 2c <masked>",
    "tacacs-server host 10.0.0.7 key <masked>",
    "radius-server key 7 <masked>",
    "crypto isakmp key <masked> address 0.0.0.0",
    "enable password <masked>",
}
VRP_SHOWN = {
    "undo snmp-agent community read cipher <masked>",
    "undo snmp-agent community write <masked>",
    "super password level 15 cipher <masked>",
}
CASES = [
    ("dinh-hai-sw1", _ios_config, IOS_SENTINELS, IOS_SHOWN),
    ("thanh-son-sw1", _vrp_config, VRP_SENTINELS, VRP_SHOWN),
]


@pytest.mark.parametrize("case", CASES, ids=["ios", "vrp"])
def test_no_secret_in_any_output_of_plan_and_apply(
    site: Site, tmp_path: Path, case: tuple[str, object, list[str], set[str]]
) -> None:
    host, config, sentinels, expected = case
    text = config(site)  # type: ignore[operator]
    management = str(site.device(host).management)
    kind = "Vlan10" if host.startswith("dinh") else "Vlanif10"
    mask = "255.255.255.224"
    if f"interface {kind}\n" not in text:
        text += f"interface {kind}\n ip address {management} {mask}\n"
    site.lab.load_config(host, text)
    for value in sentinels:
        assert value in text
    common = [
        "--inventory",
        str(DEMO),
        "--lab",
        str(site.state / "lab"),
        "--secrets",
        vault_file(tmp_path),
    ]
    backups = tmp_path / "backups"
    runs = [
        ("plan", host, *common, "--json"),
        ("plan", host, *common),
        ("apply", host, *common, "--json", "--backup-dir", str(backups)),
        ("apply", host, *common, "--backup-dir", str(backups)),
    ]
    seen = []
    for args in runs:
        _, out, err = invoke(*args, env=login_env(site))
        seen.append(out + err)
        if "--json" in args:
            [result] = json.loads(out)
            assert result["hostname"] == host  # the run ended with its result
            shown = {line.strip() for line in result["commands"] + result["unmanaged"]}
            assert not result["error"] or args[0] == "apply", result["error"]
            assert expected <= shown  # the secret lines were output, masked
    files = sorted(backups.rglob("*.cfg"))
    assert files  # a pre-change backup of each apply run
    seen += [f.read_text("utf-8") for f in files]
    assert "<masked>" in seen[-1]
    everything = "\n".join(seen)
    assert [v for v in sentinels if v in everything] == []
