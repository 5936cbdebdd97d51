"""Every way an adoption can fail leaves the device as it was, old path intact, backup
written, and says in one line which stage failed and why (real SSH, real netmiko, the CLI)."""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import asyncssh

from communet.lab.ios import IosDevice

from .brownfield import Brownfield
from .conftest import BROWNFIELD, HOST, secrets_file
from .test_adopt_cli import common, invoke, new_known_hosts


def lab_addresses(bf: Brownfield) -> tuple[str, str, int]:
    """(intended, today's) lab addresses of the device, and the lab's port."""
    overlay = json.loads((bf.state / "lab.json").read_text("utf-8"))
    entry = overlay["devices"][HOST]
    return entry["address"], entry["reach"]["address"], int(overlay["port"])


def adopt_json(bf: Brownfield, tmp_path: Path, *extra: str) -> tuple[int, dict[str, object]]:
    code, out, err = invoke(
        "adopt", HOST, *common(bf, "--json", "--backup-dir", str(tmp_path / "b"), *extra)
    )
    assert "Traceback" not in out + err
    [record] = json.loads(out)
    return code, record


# What may differ after a rollback: the size and time header, and the 'archive path' the IOS
# revert timer needs (the session adds it before arming the trial, as apply does).
ALLOWED = ("Current configuration : ", "! Last configuration change at ")
ARCHIVE = ["!", "archive", " path flash:communet-archive", "!"]


def comparable(config: str) -> list[str]:
    lines = [line for line in config.split("\n") if not line.startswith(ALLOWED)]
    for start in range(len(lines)):
        if lines[start : start + 4] == ARCHIVE:
            return lines[:start] + lines[start + 4 :]
    return lines


def assert_as_before(bf: Brownfield, before: str, tmp_path: Path) -> None:
    """Back at the pre-change config, line for line, reached as today; its backup exists."""
    after = bf.running(today=True)
    diff = "\n".join(difflib.unified_diff(comparable(before), comparable(after), lineterm=""))
    assert not diff, diff
    assert list((tmp_path / "b").rglob("*.cfg"))
    device = bf.lab.device(HOST)
    assert isinstance(device, IosDevice)
    assert bf.lab.call(lambda: device.state.revert) is None  # no trial left pending


def test_the_new_address_unreachable_puts_it_back(bf: Brownfield, tmp_path: Path) -> None:
    before = bf.running(today=True)
    intended, _, port = lab_addresses(bf)
    bf.lab.set_address_fault(intended, down=True)  # the new address does not route
    code, record = adopt_json(bf, tmp_path)
    assert code == 1
    assert record["stage"] == "prove"
    assert record["rolled_back"] is True
    assert record["error"] == (
        f"{HOST}: adoption stage 2 (prove the new management path): no answer on "
        f"{intended}:{port} within 3 s; rolled back: the running config is as before"
    )
    assert_as_before(bf, before, tmp_path)
    assert not new_known_hosts(bf).exists()  # the carried key is taken back


def test_wrong_new_credentials_on_the_new_address_put_it_back(
    bf: Brownfield, tmp_path: Path
) -> None:
    """The device refuses the intended login on its new address (an AAA server that does
    not know the new user, say): stage 2 fails and the trial is reverted at once."""
    before = bf.running(today=True)
    intended, _, port = lab_addresses(bf)
    bf.lab.set_address_fault(intended, refuse_logins=True)
    code, record = adopt_json(bf, tmp_path)
    assert code == 1
    assert record["stage"] == "prove"
    assert record["error"] == (
        f"{HOST}: adoption stage 2 (prove the new management path): authentication failed "
        f"for user 'noc-admin' on {intended}:{port} (wrong password?); rolled back: the "
        "running config is as before"
    )
    assert_as_before(bf, before, tmp_path)


def test_a_host_key_mismatch_on_the_new_address_puts_it_back(
    bf: Brownfield, tmp_path: Path
) -> None:
    before = bf.running(today=True)
    intended, _, port = lab_addresses(bf)
    other = asyncssh.generate_private_key("ssh-ed25519").export_public_key("openssh").decode()
    pinned = new_known_hosts(bf)
    pinned.write_text(f"[{intended}]:{port} {other}", "ascii")  # another device's key there
    code, record = adopt_json(bf, tmp_path)
    assert code == 1
    assert record["stage"] == "prove"
    error = str(record["error"])
    assert error.startswith(
        f"{HOST}: adoption stage 2 (prove the new management path): the SSH host key offered "
        f"by {intended}:{port} (SHA256:"
    )
    assert f"does not match the one for it in {pinned} (SHA256:" in error
    assert error.endswith("rolled back: the running config is as before")
    assert_as_before(bf, before, tmp_path)
    assert pinned.read_text("ascii") == f"[{intended}]:{port} {other}"  # left as it was


def test_a_missing_secret_changes_nothing(bf: Brownfield, tmp_path: Path) -> None:
    before = bf.running(today=True)
    secrets_file(bf.secrets, new_pass=None)
    code, record = adopt_json(bf, tmp_path)
    assert code == 1
    assert record["stage"] == "prepare"
    assert record["error"] == (
        f"{HOST}: adoption stage 0 (prepare): secret vault:new_pass: is not set\n"
        "    fix: add the line 'vault_new_pass: VALUE' to the secrets file given with "
        "--secrets FILE"
    )
    assert bf.running(today=True) == before
    assert not (tmp_path / "b").exists()  # not even connected


def test_the_old_login_wrong_stops_before_any_change(bf: Brownfield, tmp_path: Path) -> None:
    before = bf.running(today=True)
    secrets_file(bf.secrets, old_pass="not-the-password")
    intended, today, port = lab_addresses(bf)
    code, record = adopt_json(bf, tmp_path)
    assert code == 1
    assert record["stage"] == "connect"
    # it also tried the intended path (adopted before?), whose key is not known yet
    assert record["error"] == (
        f"{HOST}: adoption stage 1 (today's session): authentication failed for user 'admin' "
        f"on {today}:{port} (wrong password?); nor on its management address: cannot verify "
        f"the SSH host key of {intended}:{port}: the known_hosts file {new_known_hosts(bf)} "
        "does not exist"
    )
    assert bf.running(today=True) == before


def test_a_device_without_reach_is_skipped_in_one_line(bf: Brownfield) -> None:
    code, out, _ = invoke("adopt", "dinh-hai-sw2", *common(bf, "--json"))
    assert code == 0
    [record] = json.loads(out)
    assert record["skipped"] == (
        "nothing to adopt: no 'reach' in the inventory (it answers at its management address "
        "already); 'communet apply' converges it"
    )
    code, out, err = invoke("adopt", "dinh-hai-sw2", *common(bf))
    assert code == 0
    assert "0 ok, 0 adopted, 1 skipped, 0 failed in " in out
    assert err.startswith("[1/1] skipped    dinh-hai-sw2 (")


def test_other_destructive_lines_refuse_the_adoption_unless_forced(
    bf: Brownfield, tmp_path: Path
) -> None:
    """Today's vty lines take an ACL of their own; the intended config puts the NOC's there:
    a finding the management move does not resolve, so nothing is pushed without --force."""
    text = BROWNFIELD.read_text("utf-8")
    text = text.replace("line vty 0 4\n", "line vty 0 4\n access-class 10 in\n")
    text = text.replace("line con 0\n", "access-list 10 permit 10.38.250.0 0.0.0.255\nline con 0\n")
    bf.lab.load_config(HOST, text)
    before = bf.running(today=True)
    code, out, err = invoke("adopt", HOST, *common(bf, "--dry-run", "--json"))
    assert code == 0, out + err
    [planned] = json.loads(out)
    assert (planned["blocked"], planned["failed"]) == (True, False)
    code, out, err = invoke("adopt", HOST, *common(bf, "--dry-run"))
    assert code == 0, out + err
    assert "apply would refuse: destructive lines" in out
    code, record = adopt_json(bf, tmp_path)
    assert code == 1
    assert record["blocked"] is True
    assert record["error"] == (
        f"{HOST}: adoption stage 1 (converge all but the management path): the plan has "
        "destructive lines besides the management move; nothing was pushed: vty-acl: "
        "'ip access-list standard CN-VTY': changes the ACL on the vty lines that lets "
        "the management session in (vty ACL 10 → CN-VTY) (prefer: change it from the "
        "console, or force it with the trial commit armed)"
    )
    assert bf.running(today=True) == before
    # forced, it goes through, still in stages under the trial commit
    code, record = adopt_json(bf, tmp_path, "--force")
    assert code == 0, record
    assert "access-class CN-VTY in" in bf.running()


def test_apply_before_adoption_says_to_adopt_first(bf: Brownfield) -> None:
    intended, _, port = lab_addresses(bf)
    code, out, _ = invoke("apply", HOST, *common(bf, "--json"))
    assert code == 1
    [record] = json.loads(out)
    assert record["error"] == (
        f"{HOST}: cannot verify the SSH host key of {intended}:{port}: the known_hosts file "
        f"{new_known_hosts(bf)} does not exist; it has 'reach' in the inventory: if it is not "
        f"adopted yet, run 'communet adopt {HOST}' (Ansible: playbooks/adopt.yml) first"
    )
