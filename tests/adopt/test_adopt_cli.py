"""``communet adopt`` end to end: real SSH to the lab, real netmiko, the real CLI.

A lab switch runs the hand-built commune 2960 (VLAN 1 at 192.168.1.250, user ``admin``); the
inventory wants it on VLAN 10 at its planned address with the province's credentials. After
adoption a second plan is empty, the device answers on its new address with the new login,
and the old address and login are gone. Each failure puts it back as it was, old path intact.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from communet.session import AuthenticationError, UnreachableError
from communet_cli.main import cli

from .brownfield import Brownfield
from .conftest import HOST, NEW, OLD, VAULT


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env={"LANG": "C.UTF-8"})
    return result.exit_code, result.stdout, result.stderr


def common(bf: Brownfield, *extra: str) -> list[str]:
    return [
        "--inventory",
        str(bf.inventory),
        "--lab",
        str(bf.state),
        "--secrets",
        str(bf.secrets),
        "--connect-timeout",
        "3",
        *extra,
    ]


def new_known_hosts(bf: Brownfield) -> Path:
    overlay = json.loads((bf.state / "lab.json").read_text("utf-8"))
    return Path(overlay["devices"][HOST]["known_hosts"])


def assert_no_secret(text: str) -> None:
    # the old password "cisco" is also in every platform name: its hash is what is checked
    assert "$1$mERr$hx5rVt7rPNoS4wqbXKX7m0" not in text
    for name, value in VAULT.items():
        if name.endswith(("pass", "enable", "key")) and value != "cisco":
            assert value not in text, name


def test_the_dry_run_shows_the_stages_and_changes_nothing(bf: Brownfield, tmp_path: Path) -> None:
    before = bf.running(today=True)
    code, out, err = invoke("adopt", HOST, *common(bf, "--dry-run", "--json"))
    assert code == 0, out + err
    [record] = json.loads(out)
    assert (record["hostname"], record["changed"], record["failed"]) == (HOST, True, False)
    stages = {s["name"]: s["commands"] for s in record["stages"]}
    assert list(stages) == ["converge", "prove", "move", "confirm"]
    # stage 1 adds the new path, and leaves today's (VLAN 1, user admin) alone
    assert "interface Vlan10" in stages["converge"]
    assert " ip address 10.64.120.2 255.255.255.224" in stages["converge"]
    assert "ip default-gateway 10.64.120.1" in stages["converge"]
    assert "interface Vlan1" not in stages["converge"]
    assert not [c for c in stages["converge"] if c.startswith("no username")]
    # stage 3 removes the old path, over the new session
    assert stages["move"][-5:] == [
        "interface Vlan1",
        " shutdown",
        " no ip address",
        "exit",
        "no username admin",
    ]
    assert_no_secret(out + err)
    assert bf.running(today=True) == before
    assert not new_known_hosts(bf).exists()  # nothing carried over in a dry run


def test_the_plan_view_lists_the_stages_in_vietnamese(bf: Brownfield) -> None:
    code, out, _ = invoke("--lang", "vi", "adopt", HOST, *common(bf, "--dry-run"))
    assert code == 0
    assert "Kế hoạch tiếp nhận (chưa thay đổi gì)" in out
    assert "# 3 gỡ đường quản lý cũ (qua phiên mới)\n" in out


def test_adopt_end_to_end_via_the_cli(bf: Brownfield, tmp_path: Path) -> None:
    overlay = json.loads((bf.state / "lab.json").read_text("utf-8"))
    old_known = Path(overlay["devices"][HOST]["reach"]["known_hosts"]).read_text("ascii")
    code, out, err = invoke("adopt", HOST, *common(bf, "--backup-dir", str(tmp_path / "b")))
    assert code == 0, out + err
    assert "0 ok, 1 adopted, 0 skipped, 0 failed" in out
    assert_no_secret(out + err)
    # the masked pre-change backup exists
    [backup] = (tmp_path / "b").rglob("*.cfg")
    assert "ip address 192.168.1.250 255.255.255.0" in backup.read_text("utf-8")
    # a second plan (the intended path and login, as 'communet plan' reaches it) is empty
    code, out, err = invoke("plan", HOST, *common(bf, "--json"))
    assert code == 0, out + err
    [planned] = json.loads(out)
    assert (planned["changed"], planned["failed"], planned["commands"]) == (False, False, [])
    # the device answers on its new address with the new login; the old ones are gone
    running = bf.running()
    assert "interface Vlan10\n description MGMT\n ip address 10.64.120.2 255.255.255.224" in running
    assert f"username {NEW['new_user']} privilege 15" in running
    assert "username admin " not in running
    with pytest.raises(UnreachableError):
        bf.session(today=True)  # 192.168.1.250 is no longer on the device
    with pytest.raises(AuthenticationError):
        bf.session(today=False, new_user=OLD["old_user"], new_pass=OLD["old_pass"])
    # the new address's host key is the one the device proved on its old address
    [entry] = new_known_hosts(bf).read_text("ascii").splitlines()
    address = overlay["devices"][HOST]["address"]
    assert entry.startswith(f"[{address}]:{overlay['port']} ")
    assert entry.split()[1:] == old_known.split()[1:]
    # the telecom's uplink never went down during the session
    assert not bf.lab.device(HOST).history.ever_down("GigabitEthernet0/1")
    # saved: after a reload the device comes back on its new path
    bf.lab.reboot(HOST)
    assert "ip address 10.64.120.2 255.255.255.224" in bf.running()
