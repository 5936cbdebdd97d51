"""Every bad input a user can give communet-exporter ends with ONE pinned line on stderr."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from communet_exporter.main import main

REPO = Path(__file__).resolve().parents[2]
DEMO = str(REPO / "inventory" / "demo")
ENV = {"COMMUNET_USERNAME": "admin", "COMMUNET_PASSWORD": "lab", "COMMUNET_ENABLE": "lab"}
P = "communet-exporter: "


@pytest.fixture
def vault(tmp_path: Path) -> str:
    path = tmp_path / "vault.yml"
    path.write_text(
        "vault_snmp_user: u\nvault_snmp_auth_key: authkey1\nvault_snmp_priv_key: privkey1\n"
    )
    return str(path)


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)


def error_of(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    try:
        code = main(argv)
    except SystemExit as stop:
        code = int(stop.code or 0)
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err  # one line
    return code, err.rstrip("\n")


def test_bad_flag(capsys: pytest.CaptureFixture[str]) -> None:
    assert error_of(["--inventory", DEMO, "--nope"], capsys) == (
        2,
        P + "unrecognized arguments: --nope (see communet-exporter --help)",
    )


def test_missing_inventory_flag(capsys: pytest.CaptureFixture[str]) -> None:
    assert error_of([], capsys) == (
        2,
        P + "the following arguments are required: --inventory (see communet-exporter --help)",
    )


def test_bad_duration(capsys: pytest.CaptureFixture[str]) -> None:
    assert error_of(["--inventory", DEMO, "--icmp.interval", "5x"], capsys) == (
        2,
        P + "argument --icmp.interval: '5x' is not a duration (e.g. 5s, 500ms, 1m) "
        "(see communet-exporter --help)",
    )


def test_unknown_tcp_service(capsys: pytest.CaptureFixture[str]) -> None:
    assert error_of(["--inventory", DEMO, "--tcp.services", "ssh,telnet"], capsys) == (
        2,
        P + "argument --tcp.services: unknown service 'telnet'; known: ssh, sip, sips, h323, "
        "https (see communet-exporter --help)",
    )


def test_timeout_not_shorter_than_interval(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--inventory", DEMO, "--icmp.interval", "1s", "--icmp.timeout", "2s"]
    assert error_of(argv, capsys) == (
        1,
        P + "--icmp.timeout 2s must be shorter than --icmp.interval 1s",
    )


@pytest.mark.usefixtures("secrets")
def test_unknown_scope(capsys: pytest.CaptureFixture[str], vault: str) -> None:
    argv = ["--inventory", DEMO, "--secrets", vault, "--scope", "nowhere", "--config.check"]
    assert error_of(argv, capsys) == (
        1,
        P + "--scope 'nowhere': no active device matches; give a province, district/hub or "
        "commune slug, or a hostname",
    )


@pytest.mark.usefixtures("secrets")
def test_unknown_hub(capsys: pytest.CaptureFixture[str], vault: str) -> None:
    argv = ["--inventory", DEMO, "--secrets", vault, "--hub", "nowhere", "--config.check"]
    assert error_of(argv, capsys) == (
        1,
        P + "--hub 'nowhere': no such district/hub; known: nghi-son, thach-thanh",
    )


@pytest.mark.parametrize(
    ("shard", "message"),
    [
        ("3/2", "--shard '3/2': i must be between 1 and n"),
        ("x", "--shard 'x': write it as i/n, e.g. 1/4"),
    ],
)
def test_bad_shard(capsys: pytest.CaptureFixture[str], shard: str, message: str) -> None:
    assert error_of(["--inventory", DEMO, "--shard", shard], capsys) == (1, P + message)


def test_missing_snmp_secret(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COMMUNET_USERNAME", raising=False)
    assert error_of(["--inventory", DEMO, "--config.check"], capsys) == (
        1,
        P + "missing secret: hub-nghi-son-agg1: secret vault:snmp_user: is not set; "
        "fix: add the line 'vault_snmp_user: VALUE' to the file given with --secrets FILE",
    )


def test_missing_codec_login(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, vault: str
) -> None:
    monkeypatch.delenv("COMMUNET_USERNAME", raising=False)
    argv = ["--inventory", DEMO, "--secrets", vault, "--config.check"]
    assert error_of(argv, capsys) == (
        1,
        P + "missing secret: phu-son-nghi-son-vc1: secret env:COMMUNET_USERNAME: is not set; "
        "fix: export COMMUNET_USERNAME=… before running (or pass it to Ansible's environment)",
    )


def test_inventory_not_a_directory(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    assert error_of(["--inventory", str(missing), "--config.check"], capsys) == (
        1,
        P + f"inventory {missing}: {missing}: not a directory",
    )


def test_unreadable_inventory(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    inventory = tmp_path / "inv"
    (inventory / "thanh-hoa").mkdir(parents=True)
    (inventory / "thanh-hoa" / "province.yml").write_text("code: [\n", encoding="utf-8")
    code, err = error_of(["--inventory", str(inventory), "--config.check"], capsys)
    assert code == 1
    assert err == (
        P + f"inventory {inventory}: {inventory}/thanh-hoa/province.yml:2:1: YAML syntax error: "
        "did not find expected node content"
    )


def test_missing_secrets_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    argv = ["--inventory", DEMO, "--secrets", str(tmp_path / "v.yml"), "--config.check"]
    assert error_of(argv, capsys) == (1, P + f"--secrets {tmp_path / 'v.yml'}: no such file")


def test_unreadable_secrets_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    argv = ["--inventory", DEMO, "--secrets", str(tmp_path), "--config.check"]
    assert error_of(argv, capsys) == (
        1,
        P + f"--secrets {tmp_path}: cannot read it: Is a directory",
    )


def test_secrets_file_that_is_not_yaml(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "s.yml"
    path.write_text("vault_snmp_user: [\n", encoding="utf-8")
    argv = ["--inventory", DEMO, "--secrets", str(path), "--config.check"]
    assert error_of(argv, capsys) == (
        1,
        P + f"--secrets {path}: not YAML (line 2): expected the node content, but found "
        "'<stream end>'",
    )


def test_secrets_key_without_the_vault_prefix(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The exporter's former plain 'name: value' file is refused with the fix."""
    path = tmp_path / "s.yml"
    path.write_text("snmp_user: u\n", encoding="utf-8")
    argv = ["--inventory", DEMO, "--secrets", str(path), "--config.check"]
    assert error_of(argv, capsys) == (
        1,
        P + f"--secrets {path}: key 'snmp_user': a secrets file holds 'vault_NAME: value' "
        "lines (the inventory's vault:NAME; the same file works as ansible-playbook -e @FILE): "
        "write vault_snmp_user",
    )


def test_secrets_file_that_is_not_a_mapping(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "s.yml"
    path.write_text("- vault_snmp_user\n", encoding="utf-8")
    argv = ["--inventory", DEMO, "--secrets", str(path), "--config.check"]
    assert error_of(argv, capsys) == (
        1,
        P + f"--secrets {path} must hold a mapping of vault_NAME: value",
    )


def test_the_former_vault_vars_flag_names_its_replacement(
    capsys: pytest.CaptureFixture[str], vault: str
) -> None:
    assert error_of(["--inventory", DEMO, "--vault-vars", vault], capsys) == (
        1,
        P + "--vault-vars was replaced by --secrets FILE, the project's one secrets format: "
        "write each name as 'vault_NAME: value' (e.g. vault_snmp_user: ...)",
    )


def test_the_secrets_file_of_the_cli_and_ansible_works_as_is(
    capsys: pytest.CaptureFixture[str], secrets: None, tmp_path: Path
) -> None:
    """One format: the same file the CLI's --secrets and ansible-playbook -e @FILE read."""
    path = tmp_path / "secrets.yml"
    path.write_text(
        "vault_snmp_user: u\nvault_snmp_auth_key: authkey1\nvault_snmp_priv_key: privkey1\n",
        encoding="utf-8",
    )
    from communet_cli.options import load_secrets_file  # noqa: PLC0415 - the CLI's reader

    assert load_secrets_file(path) == {
        "snmp_user": "u",
        "snmp_auth_key": "authkey1",
        "snmp_priv_key": "privkey1",
    }
    assert main(["--inventory", DEMO, "--secrets", str(path), "--config.check"]) == 0
    assert "configuration OK" in capsys.readouterr().out


def test_missing_known_hosts(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    argv = ["--inventory", DEMO, "--known-hosts", str(tmp_path / "kh")]
    assert error_of(argv, capsys) == (1, P + f"--known-hosts {tmp_path / 'kh'}: no such file")


def test_no_lab_overlay(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert error_of(["--inventory", DEMO, "--lab", str(tmp_path)], capsys) == (
        1,
        P + f"--lab {tmp_path}: no lab overlay {tmp_path}/lab.json; start one with "
        "'communet lab up'",
    )


def test_bad_listen_address(capsys: pytest.CaptureFixture[str]) -> None:
    assert error_of(["--inventory", DEMO, "--web.listen-address", "nowhere"], capsys) == (
        1,
        P + "--web.listen-address 'nowhere': write it as [host]:port, e.g. :9479",
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("foo: 1\n", "unknown key 'foo'"),
        (
            "basic_auth_users:\n  noc: plain\n",
            "basic_auth_users.noc is not a bcrypt hash (make one with: "
            "htpasswd -nBC 10 '' | tr -d ':\\n')",
        ),
        (
            "tls_server_config:\n  cert_file: a.crt\n",
            "tls_server_config needs both cert_file and key_file",
        ),
        (
            "tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  cipher_suites: []\n",
            "tls_server_config.cipher_suites is not supported by communet-exporter; remove it",
        ),
        ("http_server_config:\n  nope: 1\n", "unknown key http_server_config.nope"),
    ],
)
def test_bad_web_config(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "web.yml"
    path.write_text(text, encoding="utf-8")
    argv = ["--inventory", DEMO, "--web.config.file", str(path)]
    assert error_of(argv, capsys) == (1, P + f"--web.config.file {path}: {message}")


def test_missing_certificate(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "web.yml"
    path.write_text("tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n")
    code, err = error_of(["--inventory", DEMO, "--web.config.file", str(path)], capsys)
    assert code == 1
    assert err == (
        P + f"--web.config.file {path}: cannot load {tmp_path}/a.crt / {tmp_path}/a.key: "
        "[Errno 2] No such file or directory"
    )


@pytest.mark.usefixtures("secrets")
def test_config_check_says_what_would_be_probed(
    capsys: pytest.CaptureFixture[str], vault: str
) -> None:
    assert main(["--inventory", DEMO, "--secrets", vault, "--config.check"]) == 0
    assert capsys.readouterr().out == (
        P + "configuration OK: 19 targets (14 over SNMP, 4 codecs), web: plain HTTP, "
        "0 basic-auth user(s)\n"
    )


def test_console_script_prints_the_same_line(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("communet-exporter")
    result = subprocess.run(
        [str(script), "--inventory", str(tmp_path / "x"), "--config.check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr == P + f"inventory {tmp_path / 'x'}: {tmp_path / 'x'}: not a directory\n"
