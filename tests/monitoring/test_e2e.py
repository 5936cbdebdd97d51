"""The NOC end to end on the lab: exporter, Prometheus, Alertmanager and a webhook, for real.

netns_noc.py runs under ``unshare -rn`` (one scenario, about two minutes; intervals shortened
as its docstring says) and reports what the webhook received and what Prometheus recorded.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from filelock import FileLock

from communet.lab.icmp import namespaces_available

SCENARIO = Path(__file__).with_name("netns_noc.py")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not namespaces_available(), reason="unshare -rn is not permitted here"),
    pytest.mark.skipif(
        not (shutil.which("prometheus") and shutil.which("prometheus-alertmanager")),
        reason="the Debian prometheus and prometheus-alertmanager packages are needed",
    ),
]


def run_scenario() -> dict[str, Any]:
    result = subprocess.run(
        ["unshare", "-rn", sys.executable, str(SCENARIO)],
        capture_output=True,
        text=True,
        timeout=400,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    data: dict[str, Any] = json.loads(result.stdout)
    assert data["all_up"] is not None, data["logs"]
    return data


@pytest.fixture(scope="session")
def noc(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> dict[str, Any]:
    """The scenario once for the whole run, even when xdist spreads these tests over workers
    (the pattern pytest-xdist documents: a file lock in the run's shared temporary root)."""
    if worker_id == "master":
        return run_scenario()
    cached = tmp_path_factory.getbasetemp().parent / "communet-noc-e2e.json"
    with FileLock(f"{cached}.lock"):
        if cached.is_file():
            data: dict[str, Any] = json.loads(cached.read_text(encoding="utf-8"))
            return data
        data = run_scenario()
        cached.write_text(json.dumps(data), encoding="utf-8")
        return data


def within(measured: float, truth: float, tolerance: float = 0.10) -> bool:
    return abs(measured - truth) <= tolerance * truth


def test_five_percent_loss_is_recorded_within_ten_percent(noc: dict[str, Any]) -> None:
    # the truth over the rule's own window: what the lab dropped of what was sent
    truth = noc["lab_dropped_in_window"] / noc["sent_in_window"]
    assert noc["sent_in_window"] >= 1000
    assert within(noc["loss"], truth), (noc["loss"], truth)
    # and the configured 5 %, within four standard deviations of the binomial spread of the
    # echoes sent in the window (~1,200: 2.5 %; three would fail one clean run in 370)
    spread = 4 * math.sqrt(0.05 * 0.95 / noc["sent_in_window"])
    assert abs(noc["loss"] - 0.05) < spread, (noc["loss"], spread)
    assert noc["lossy_alert"]


def test_eighty_ms_delay_is_recorded_within_ten_percent(noc: dict[str, Any]) -> None:
    # the lab adds 80 ms to its own path, which an unimpaired commune measures meanwhile
    truth = 0.080 + noc["rtt_baseline"]
    assert within(noc["rtt"], truth), (noc["rtt"], truth)
    assert noc["rtt_p50"] == pytest.approx(0.1, abs=0.005)  # the 50-150 ms bucket
    assert not noc["slow_alert"]  # 80 ms is well within the 300 ms threshold


def test_a_commune_down_pages_within_a_minute(noc: dict[str, Any]) -> None:
    assert noc["commune_down_seconds"] is not None
    assert noc["commune_down_seconds"] < 60


def test_a_hub_down_is_exactly_one_notification(noc: dict[str, Any]) -> None:
    assert noc["hub_down_seconds"] is not None
    assert noc["hub_notifications"] == [["HubDown"]]
    assert noc["hub_behind_states"] == {"phu-son-thach-thanh": 2.0, "thanh-son": 2.0}
    assert noc["hub_prometheus_alerts"] == ["HubDown"]


def test_alertmanager_inhibits_what_the_hub_explains(noc: dict[str, Any]) -> None:
    assert noc["inhibition"] == {
        "notified": ["HubDown"],
        "inhibited": ["CodecUnregistered", "CommuneDown", "DeviceDown", "LossyLink"],
    }


def test_a_reboot_and_an_unregistered_codec_alert(noc: dict[str, Any]) -> None:
    assert noc["reboot_seconds"] is not None
    assert noc["codec_seconds"] is not None
    assert noc["reboot_seconds"] < 30
    assert noc["codec_seconds"] < 30


def test_every_dashboard_query_returns_series_with_its_legend_labels(
    noc: dict[str, Any],
) -> None:
    panels = noc["panels"]
    assert len(panels) >= 20
    for panel in panels:
        assert panel["error"] is None, panel
        assert panel["series"] > 0, panel
        assert panel["missing"] == [], panel
    geomap = next(p for p in panels if p["panel"].startswith("Communes by state"))
    assert {"lat", "lon", "name"} <= set(geomap["labels"])  # a commune with coordinates
