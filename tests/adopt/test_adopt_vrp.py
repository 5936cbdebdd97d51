"""Huawei adoption end to end: a VRP5 S5720 and a VRPv8 (V600) S5735 at a brownfield address
with brownfield credentials, adopted onto the inventory's management VLAN, address and
credentials over real SSH, real netmiko, the real CLI and real ansible-playbook.

VRP has no device-wide trial commit that a second session can confirm, so adoption is
make-before-break (communet.adopt): the new path is added and proven before the old one
goes, each stage kept or undone on its own. Every failure leaves the device at its
pre-change config, reached as today, and says its stage in one line.
"""

from __future__ import annotations

import difflib
import json
import subprocess
from pathlib import Path
from typing import Any

import asyncssh
import pytest
from click.testing import CliRunner

from communet.lab.vrp import VrpDevice
from communet.session import AuthenticationError, UnreachableError
from communet_cli.main import cli

from .test_adopt_ansible import adopt_playbook
from .vrp_brownfield import NEW, SNMP, VrpBrownfield, vrp_secrets


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env={"LANG": "C.UTF-8"})
    return result.exit_code, result.stdout, result.stderr


def common(vbf: VrpBrownfield, *extra: str) -> list[str]:
    return [
        "--inventory",
        str(vbf.inventory),
        "--lab",
        str(vbf.state),
        "--secrets",
        str(vbf.secrets),
        "--connect-timeout",
        "3",
        *extra,
    ]


def overlay(vbf: VrpBrownfield) -> dict[str, Any]:
    return dict(json.loads((vbf.state / "lab.json").read_text("utf-8")))


def lab_addresses(vbf: VrpBrownfield) -> tuple[str, str, int]:
    """(intended, today's) lab addresses of the device, and the lab's port."""
    found = overlay(vbf)
    entry = found["devices"][vbf.host]
    return entry["address"], entry["reach"]["address"], int(found["port"])


def new_known_hosts(vbf: VrpBrownfield) -> Path:
    return Path(overlay(vbf)["devices"][vbf.host]["known_hosts"])


def assert_no_secret(vbf: VrpBrownfield, text: str) -> None:
    for name, value in {**vbf.case.vault, **NEW, **SNMP}.items():
        if name.endswith(("pass", "enable", "key")):
            assert value not in text, name


def adopt_json(vbf: VrpBrownfield, tmp_path: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    code, out, err = invoke(
        "adopt", vbf.host, *common(vbf, "--json", "--backup-dir", str(tmp_path / "b"), *extra)
    )
    assert "Traceback" not in out + err
    assert_no_secret(vbf, out + err)
    [record] = json.loads(out)
    return code, record


def comparable(config: str) -> list[str]:
    """A VRP config as it must be after a rollback: every line but the comment header."""
    return [line for line in config.split("\n") if not line.startswith("!")]


def assert_as_before(vbf: VrpBrownfield, before: str, tmp_path: Path) -> None:
    """Back at the pre-change config, line for line, reached as today; its backup exists;
    no trial commit left pending (VRPv8)."""
    after = vbf.running(today=True)
    diff = "\n".join(difflib.unified_diff(comparable(before), comparable(after), lineterm=""))
    assert not diff, diff
    assert list((tmp_path / "b").rglob("*.cfg"))
    device = vbf.lab.device(vbf.host)
    assert isinstance(device, VrpDevice)
    assert vbf.lab.call(lambda: device.trial) is None
    assert not device.history.ever_down(vbf.case.uplink)


# ------------------------------------------------------------------------------ the stages
def test_the_dry_run_shows_the_stages_and_changes_nothing(vbf: VrpBrownfield) -> None:
    case = vbf.case
    before = vbf.running(today=True)
    code, out, err = invoke("adopt", vbf.host, *common(vbf, "--dry-run", "--json"))
    assert code == 0, out + err
    [record] = json.loads(out)
    assert (record["changed"], record["failed"], record["blocked"]) == (True, False, False)
    stages = {s["name"]: s for s in record["stages"]}
    assert stages["converge"]["title"].endswith("the new path added (today's session)")
    converge, move = stages["converge"]["commands"], stages["move"]["commands"]
    # stage 1 adds the new path (VLAN 10 interface, address, route, user, ssh user) ...
    assert "interface Vlanif10" in converge
    assert any(c.startswith(" ip address " + case.new_address + " ") for c in converge)
    assert any(c.startswith("ip route-static 0.0.0.0 0.0.0.0 ") for c in converge)
    assert f" local-user {NEW['new_user']} service-type ssh" in converge
    assert f"ssh user {NEW['new_user']} authentication-type password" in converge
    # ... and leaves today's alone: its VLAN stays on the uplink, its login stays
    assert f" undo port trunk allow-pass vlan {case.old_vlan}" not in converge
    assert not [c for c in converge if c.startswith(f" undo local-user {case.old_user}")]
    assert f"undo ip route-static 0.0.0.0 0.0.0.0 {case.old_gateway}" not in converge
    # stage 3 removes today's path over the new session: its login, its VLAN, its address
    assert f" undo local-user {case.old_user} service-type" in move
    assert f" undo port trunk allow-pass vlan {case.old_vlan}" in move
    assert move[-4:] == [
        f"interface Vlanif{case.old_vlan}",
        " undo ip address",
        "quit",
        f"undo ip route-static 0.0.0.0 0.0.0.0 {case.old_gateway}",
    ]
    assert_no_secret(vbf, out + err)
    assert vbf.running(today=True) == before
    assert not new_known_hosts(vbf).exists()


def test_the_stage_lines_in_vietnamese(vbf: VrpBrownfield) -> None:
    code, out, _ = invoke("--lang", "vi", "adopt", vbf.host, *common(vbf, "--dry-run"))
    assert code == 0
    assert "Kế hoạch tiếp nhận (chưa thay đổi gì)" in out
    assert (
        "# 1 cấu hình mọi thứ trừ đường quản lý, thêm đường quản lý mới (phiên hiện tại)\n" in out
    )
    assert "# 2 chứng minh phiên mới tới địa chỉ, tài khoản và khóa SSH dự kiến\n" in out
    assert "# 3 gỡ đường quản lý cũ (qua phiên mới; lỗi thì khôi phục qua chính phiên đó)\n" in out
    assert "# 4 kiểm tra, kết nối lại, giữ thay đổi và lưu cấu hình\n" in out


# --------------------------------------------------------------------------- end to end
def test_adopt_end_to_end_via_the_cli(vbf: VrpBrownfield, tmp_path: Path) -> None:
    case = vbf.case
    old_known = Path(overlay(vbf)["devices"][vbf.host]["reach"]["known_hosts"])
    old_key = old_known.read_text("ascii").split()[1:]
    code, out, err = invoke("adopt", vbf.host, *common(vbf, "--backup-dir", str(tmp_path / "b")))
    assert code == 0, out + err
    assert "0 ok, 1 adopted, 0 skipped, 0 failed" in out
    assert_no_secret(vbf, out + err)
    [backup] = (tmp_path / "b").rglob("*.cfg")
    assert f"ip address {case.old_address} 255.255.255.0" in backup.read_text("utf-8")
    # a second plan, over the intended path and login, is empty
    code, out, err = invoke("plan", vbf.host, *common(vbf, "--json"))
    assert code == 0, out + err
    [planned] = json.loads(out)
    assert (planned["changed"], planned["failed"], planned["commands"]) == (False, False, [])
    # the new login works on the new address; today's address and login are gone
    running = vbf.running()
    assert f"interface Vlanif10\n description MGMT\n ip address {case.new_address} " in running
    assert f"local-user {NEW['new_user']} service-type ssh" in running
    assert f"local-user {case.old_user} " not in running
    assert f"ip address {case.old_address} " not in running
    assert f"port trunk allow-pass vlan {case.old_vlan}" not in running
    assert f"ip route-static 0.0.0.0 0.0.0.0 {case.old_gateway}" not in running  # made, broken
    assert running.count("ip route-static 0.0.0.0 0.0.0.0 ") == 1
    with pytest.raises(UnreachableError):
        vbf.session(today=True)
    with pytest.raises(AuthenticationError):
        vbf.session(today=False, new_user=case.old_user, new_pass=case.old_pass)
    # the new address's host key is the one proved on the old address
    [entry] = new_known_hosts(vbf).read_text("ascii").splitlines()
    assert entry.split()[1:] == old_key
    # the uplink never went down; no trial left pending; saved (a reload keeps it)
    device = vbf.lab.device(vbf.host)
    assert isinstance(device, VrpDevice)
    assert not device.history.ever_down(case.uplink)
    assert vbf.lab.call(lambda: device.trial) is None
    vbf.lab.reboot(vbf.host)
    assert f"ip address {case.new_address} " in vbf.running()


# ------------------------------------------------------------------------------ failures
def test_the_new_address_unreachable_puts_it_back(vbf: VrpBrownfield, tmp_path: Path) -> None:
    before = vbf.running(today=True)
    intended, _, port = lab_addresses(vbf)
    vbf.lab.set_address_fault(intended, down=True)
    code, record = adopt_json(vbf, tmp_path)
    assert code == 1
    assert (record["stage"], record["rolled_back"]) == ("prove", True)
    assert record["error"] == (
        f"{vbf.host}: adoption stage 2 (prove the new management path): no answer on "
        f"{intended}:{port} within 3 s; rolled back: the running config is as before"
    )
    assert_as_before(vbf, before, tmp_path)
    assert not new_known_hosts(vbf).exists()  # the carried key is taken back


def test_the_new_login_refused_puts_it_back(vbf: VrpBrownfield, tmp_path: Path) -> None:
    before = vbf.running(today=True)
    intended, _, port = lab_addresses(vbf)
    vbf.lab.set_address_fault(intended, refuse_logins=True)
    code, record = adopt_json(vbf, tmp_path)
    assert code == 1
    assert record["stage"] == "prove"
    assert record["error"] == (
        f"{vbf.host}: adoption stage 2 (prove the new management path): authentication "
        f"failed for user '{NEW['new_user']}' on {intended}:{port} (wrong password?); rolled "
        "back: the running config is as before"
    )
    assert_as_before(vbf, before, tmp_path)


def test_a_host_key_mismatch_puts_it_back(vbf: VrpBrownfield, tmp_path: Path) -> None:
    before = vbf.running(today=True)
    intended, _, port = lab_addresses(vbf)
    other = asyncssh.generate_private_key("ssh-ed25519").export_public_key("openssh").decode()
    pinned = new_known_hosts(vbf)
    pinned.write_text(f"[{intended}]:{port} {other}", "ascii")
    code, record = adopt_json(vbf, tmp_path)
    assert code == 1
    assert record["stage"] == "prove"
    assert record["error"].startswith(
        f"{vbf.host}: adoption stage 2 (prove the new management path): the SSH host key "
        f"offered by {intended}:{port} (SHA256:"
    )
    assert record["error"].endswith("; rolled back: the running config is as before")
    assert_as_before(vbf, before, tmp_path)
    assert pinned.read_text("ascii") == f"[{intended}]:{port} {other}"


def test_a_stage_3_failure_puts_today_s_path_back_first(vbf: VrpBrownfield, tmp_path: Path) -> None:
    """The device refuses a stage-3 line (today's VLAN off the uplink): the new session
    puts back what stage 3 removed, then a fresh session on today's path undoes the rest."""
    case = vbf.case
    before = vbf.running(today=True)
    refused = f"undo port trunk allow-pass vlan {case.old_vlan}"
    vbf.lab.set_fault(vbf.host, reject=(refused,))
    code, record = adopt_json(vbf, tmp_path)
    assert code == 1
    assert (record["stage"], record["rolled_back"]) == ("move", True)
    error = record["error"]
    assert error.startswith(
        f"{vbf.host}: adoption stage 3 (remove the old management path): ' {refused}': the device "
    )
    # line 10: today's default route, removed by the stage-3 plan (after the VLAN)
    assert "(line 8 of 10; line 9 was sent with it)" in error
    assert "\n" not in error
    assert error.endswith("; rolled back over a new session: the running config is as before")
    vbf.lab.clear_faults(vbf.host)
    assert_as_before(vbf, before, tmp_path)
    assert not new_known_hosts(vbf).exists()  # the carried key is taken back too


def test_a_blocking_finding_refuses_unless_forced(vbf: VrpBrownfield, tmp_path: Path) -> None:
    """Today's uplink has another native VLAN than the intended one: a finding the
    management move does not resolve; nothing is pushed without --force."""
    text = vbf.case.text().replace(" port trunk pvid vlan 999\n", "")
    vbf.lab.load_config(vbf.host, text)
    before = vbf.running(today=True)
    code, record = adopt_json(vbf, tmp_path)
    assert code == 1
    assert (record["blocked"], record["stage"]) == (True, "converge")
    assert record["error"].startswith(
        f"{vbf.host}: adoption stage 1 (converge all but the management path): the plan has "
        "destructive lines besides the management move; nothing was pushed: native-vlan: "
        f"'interface {vbf.case.uplink} > port trunk pvid vlan 999': changes the native "
        "VLAN/PVID of a live trunk"
    )
    assert vbf.running(today=True) == before
    code, record = adopt_json(vbf, tmp_path, "--force")
    assert code == 0, record
    assert "port trunk pvid vlan 999" in vbf.running()


# ------------------------------------------------------------------------------- Ansible
def play(vbf: VrpBrownfield, tmp: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], Any]:
    return adopt_playbook(vbf.inventory, vbf.state, vbf.secrets, vbf.host, tmp, *args)


def test_adopt_end_to_end_via_ansible(vbf: VrpBrownfield, tmp_path: Path) -> None:
    case = vbf.case
    process, result = play(vbf, tmp_path, "--check")
    assert process.returncode == 0, process.stdout + process.stderr
    assert result["changed"] is True
    assert " undo local-user ******** service-type" in result["stages"]["move"]  # masked
    assert vbf.running(today=True)  # check mode: still reached as today

    process, result = play(vbf, tmp_path)
    out = process.stdout + process.stderr
    assert process.returncode == 0, out
    assert result["msg"].startswith("adopted: ")
    assert result["msg"].endswith(
        f"lines sent and verified; the device answers on {case.new_address} with the intended "
        "credentials"
    )
    assert_no_secret(vbf, out + json.dumps(result))
    code, planned, err = invoke("plan", vbf.host, *common(vbf, "--json"))
    assert code == 0, planned + err
    assert json.loads(planned)[0]["commands"] == []
    with pytest.raises(UnreachableError):
        vbf.session(today=True)
    process, result = play(vbf, tmp_path)
    assert process.returncode == 0, process.stdout + process.stderr
    assert result["changed"] is False
    assert result["msg"].startswith(f"{vbf.host}: adopted before: ")


def test_a_missing_secret_changes_nothing(vbf: VrpBrownfield, tmp_path: Path) -> None:
    before = vbf.running(today=True)
    vrp_secrets(vbf.secrets, vbf.case, new_pass=None)
    code, record = adopt_json(vbf, tmp_path)
    assert code == 1
    assert record["stage"] == "prepare"
    assert record["error"].startswith(
        f"{vbf.host}: adoption stage 0 (prepare): secret vault:new_pass: is not set\n"
    )
    assert vbf.running(today=True) == before


def test_a_failed_stage_is_named_in_vietnamese(vbf: VrpBrownfield, tmp_path: Path) -> None:
    """A technician reading Vietnamese sees which stage failed in the table's stage column
    (the one line of the error, with the device's own words, stays as the device said it)."""
    before = vbf.running(today=True)
    vbf.lab.set_fault(vbf.host, reject=(f"undo port trunk allow-pass vlan {vbf.case.old_vlan}",))
    args = ["--lang", "vi", "adopt", vbf.host, *common(vbf, "--backup-dir", str(tmp_path / "b"))]
    result = CliRunner().invoke(cli, args, env={"LANG": "C.UTF-8", "COLUMNS": "400"})
    assert result.exit_code == 1
    assert "│ 3 gỡ đường quản lý cũ (qua phiên mới; lỗi thì khôi phục qua chính phiên đó) │" in (
        result.stdout
    )
    assert "0 đúng, 0 đã tiếp nhận, 0 bỏ qua, 1 lỗi trong " in result.stdout
    assert result.stderr.startswith(f"[1/1] LỖI        {vbf.host} (")
    vbf.lab.clear_faults(vbf.host)
    assert_as_before(vbf, before, tmp_path)
