"""The generated Prometheus and Alertmanager files, checked by the ecosystem's own tools.

promtool (Debian ``prometheus``) runs the unit tests of promtool/communet_rules_test.yml over
the rules generated for the demo inventory, and checks the generated configuration; amtool
(Debian ``prometheus-alertmanager``) checks the Alertmanager configuration.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from communet.inventory import load_inventory
from communet.monitoring.generate import generate
from communet.monitoring.rules import Timing, duration

REPO = Path(__file__).resolve().parents[2]
PROMTOOL_TEST = Path(__file__).with_name("promtool") / "communet_rules_test.yml"
# what the promtool tests assume: everything every minute, a 5m rate and 2m reach window
TEST_TIMING = Timing(
    scrape_interval=60,
    evaluation_interval=60,
    rate_window=300,
    reach_window=120,
    quality_for=300,
    device_for=120,
    codec_for=120,
    reboot_window=900,
    exporter_for=60,
    silent_for=300,
)

needs_promtool = pytest.mark.skipif(shutil.which("promtool") is None, reason="no promtool")
needs_amtool = pytest.mark.skipif(shutil.which("amtool") is None, reason="no amtool")


def write(files: dict[str, str], out: Path) -> None:
    for relative, content in files.items():
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")


def run(*argv: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in argv], capture_output=True, text=True, cwd=cwd, check=False, timeout=120
    )


@needs_promtool
def test_promtool_unit_tests_of_every_rule(tmp_path: Path) -> None:
    write(generate(load_inventory(REPO / "inventory" / "demo"), TEST_TIMING).files, tmp_path)
    prometheus = tmp_path / "demo" / "prometheus"
    shutil.copy(PROMTOOL_TEST, prometheus)
    result = run("promtool", "test", "rules", PROMTOOL_TEST.name, cwd=prometheus)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_every_alert_rule_has_a_promtool_test() -> None:
    tests = yaml.safe_load(PROMTOOL_TEST.read_text(encoding="utf-8"))["tests"]
    tested = {case["alertname"] for t in tests for case in t.get("alert_rule_test", [])}
    tested_firing = {
        case["alertname"]
        for t in tests
        for case in t.get("alert_rule_test", [])
        if case.get("exp_alerts")
    }
    generated = generate(load_inventory(REPO / "inventory" / "demo"), TEST_TIMING).files
    groups = yaml.safe_load(generated["demo/prometheus/rules/communet.yml"])["groups"]
    alerts = {r["alert"] for g in groups for r in g["rules"] if "alert" in r}
    assert alerts == tested == tested_firing


@needs_promtool
def test_thanh_hoa_config_and_rules_pass_promtool(tmp_path: Path) -> None:
    write(generate(load_inventory(REPO / "inventory" / "thanh-hoa")).files, tmp_path)
    prometheus = tmp_path / "thanh-hoa" / "prometheus"
    checked = run("promtool", "check", "config", "prometheus.yml", cwd=prometheus)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS: 1 rule files found" in checked.stdout
    national = run("promtool", "check", "config", "prometheus.yml", cwd=tmp_path / "national")
    assert national.returncode == 0, national.stdout + national.stderr


@needs_amtool
def test_alertmanager_config_passes_amtool(tmp_path: Path) -> None:
    write(generate(load_inventory(REPO / "inventory" / "thanh-hoa")).files, tmp_path)
    config = tmp_path / "thanh-hoa" / "alertmanager" / "alertmanager.yml"
    result = run("amtool", "check-config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 inhibit rules" in result.stdout


def test_inhibit_rules_silence_what_a_hub_explains() -> None:
    files = generate(load_inventory(REPO / "inventory" / "demo")).files
    config = yaml.safe_load(files["demo/alertmanager/alertmanager.yml"])
    hub_rule = config["inhibit_rules"][0]
    assert hub_rule["source_matchers"] == ['alertname=~"HubDown|ExporterDown"']
    assert hub_rule["equal"] == ["province", "uplink_hub"]
    assert "CommuneDown" in hub_rule["target_matchers"][0]
    assert "HubDown" not in hub_rule["target_matchers"][0]
    assert config["route"]["group_by"] == ["province", "uplink_hub", "alertname"]


def test_file_sd_carries_the_topology_of_each_hub_exporter() -> None:
    result = generate(load_inventory(REPO / "inventory" / "thanh-hoa"), exporter_port=9479)
    groups = json.loads(result.files["thanh-hoa/prometheus/targets/thanh-hoa.json"])
    assert len(groups) == 26
    first = groups[0]
    assert first["labels"]["province"] == "thanh-hoa"
    assert first["labels"]["uplink_hub"] == first["labels"]["hub"]
    assert first["targets"][0].endswith(":9479")
    assert result.warnings == ()
    sites = [
        r for r in yaml.safe_load(result.files["thanh-hoa/prometheus/rules/communet.yml"])[
            "groups"][0]["rules"] if r.get("record") == "communet:site:info"
    ]  # fmt: skip
    communes = [s["labels"] for s in sites if s["labels"]["kind"] == "commune"]
    assert all(c["uplink_hub"] == c["district"] for c in communes)
    assert any(c["name"] != c["name_ascii"] and c["name_ascii"].isascii() for c in communes)


def test_a_hub_without_exporter_host_is_named() -> None:
    result = generate(load_inventory(REPO / "inventory" / "demo"))
    assert result.warnings == (
        "demo/nghi-son: no active exporter_host at this hub, so nothing scrapes its devices; "
        "add one (role: exporter_host) to the hub's devices",
    )


def test_generation_is_deterministic_and_fast_for_a_province() -> None:
    loaded = load_inventory(REPO / "inventory" / "thanh-hoa")
    assert len(loaded.devices) > 2000
    began = time.process_time()
    first = generate(loaded).files
    cpu = time.process_time() - began
    assert first == generate(load_inventory(REPO / "inventory" / "thanh-hoa")).files
    assert cpu < 2.0, cpu


@pytest.mark.parametrize(
    ("seconds", "text"), [(90, "1m30s"), (0.5, "500ms"), (3600 - 0.001, "59m59s999ms"), (0, "0s")]
)
def test_duration(seconds: float, text: str) -> None:
    assert duration(seconds) == text
