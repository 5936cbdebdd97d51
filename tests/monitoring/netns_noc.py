"""Run inside ``unshare -rn``: lab, communet-exporter, Prometheus, Alertmanager and a webhook.

``python netns_noc.py`` prints one JSON object for test_e2e.py; not a test module. Everything
is real: the lab answers ICMP/SNMP/xAPI with injected faults, the exporter process probes it,
Prometheus (Debian) scrapes the exporter and evaluates the rules that ``communet monitoring
generate`` wrote for the demo inventory, Alertmanager (Debian) applies the generated routes and
inhibit rules and posts to a webhook receiver here that records every notification.

Shortened for a test (say so in the report): 5 echoes a second per target instead of one per
5 s (60 s hold 300 echoes per device, 25 minutes at the default rate), scrape and rule
evaluation every 1 s instead of 10 s, a 60 s rate window instead of 5 m, a 3 s reach window
instead of 30 s, SNMP and codec polls every 3 s, Alertmanager group_wait 3 s.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from communet_dashboards.build import all_queries

from communet.inventory import load_inventory
from communet.lab import Lab
from communet.lab.icmp import prepare_namespace
from communet.lab.runtime import specs_from_inventory
from communet.monitoring.configs import Endpoints
from communet.monitoring.generate import generate
from communet.monitoring.rules import Timing

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "inventory" / "demo"
VAULT = (  # the secrets file format of the CLI, the exporter and Ansible
    "vault_snmp_user: communet\nvault_snmp_auth_key: lab-auth-key\n"
    "vault_snmp_priv_key: lab-priv-key\n"
)
ENVIRON = {"COMMUNET_USERNAME": "admin", "COMMUNET_PASSWORD": "lab", "COMMUNET_ENABLE": "lab"}
REGISTRAR = (
    'xConfiguration SIP URI: "{host}@hnth.thanhhoa.gov.vn"\n'
    'xConfiguration SIP Proxy 1 Address: "10.38.250.10"\n'
)
TIMING = Timing(
    scrape_interval=1,
    evaluation_interval=1,
    rate_window=60,
    reach_window=3,
    reboot_window=60,
    quality_for=15,  # ≫ the reach window, as in production (5m vs 30s)
    device_for=3,
    codec_for=10,  # > the reach window, as in production (2m vs 30s)
    exporter_for=5,
    silent_for=10,
    group_wait=3,
    group_interval=5,
    repeat_interval=3600,
    availability_period=20,  # "hourly" records every 20 s, so that the report panels have data
)
# Grafana's variables, as a dashboard viewer would pick them on the lab
PANEL_VARIABLES = {
    "$__rate_interval": "4s",  # Grafana: max(4 × scrape interval, interval + scrape interval)
    "$__range_s": "120",
    "$__range": "2m",
    "$province": "demo",
    "$hub": "nghi-son",
    "$commune": "dinh-hai",
}
ECHO_INTERVAL = "0.2s"


def log(message: str) -> None:
    sys.stderr.write(f"{time.strftime('%H:%M:%S')} {message}\n")
    sys.stderr.flush()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Webhook:
    """Alertmanager's receiver: every notification with the time it arrived."""

    def __init__(self) -> None:
        self.received: list[tuple[float, dict[str, Any]]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                outer.received.append((time.monotonic(), json.loads(body)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def since(self, began: float) -> list[dict[str, Any]]:
        return [n for t, n in self.received if t >= began]


def query(port: int, expr: str) -> list[dict[str, Any]]:
    url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(url, timeout=10) as response:
        result: list[dict[str, Any]] = json.load(response)["data"]["result"]
        return result


def value(port: int, expr: str) -> float | None:
    result = query(port, expr)
    return float(result[0]["value"][1]) if result else None


def value_at(port: int, expr: str, at: float) -> float:
    url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode(
        {"query": expr, "time": f"{at:.3f}"}
    )
    with urllib.request.urlopen(url, timeout=10) as response:
        return float(json.load(response)["data"]["result"][0]["value"][1])


def dropped_at(drops: list[tuple[float, int]], at: float) -> int:
    """The lab's drop counter at wall-clock time ``at`` (the last reading before it)."""
    return max((count for when, count in drops if when <= at), default=drops[0][1])


def wait_until(check: Callable[[], Any], limit: float, step: float = 0.25) -> float | None:
    began = time.monotonic()
    while time.monotonic() - began < limit:
        if check():
            return time.monotonic() - began
        time.sleep(step)
    return None


def notified(hook: Webhook, began: float, alertname: str, **labels: str) -> bool:
    for note in hook.since(began):
        for alert in note["alerts"]:
            a = alert["labels"]
            firing = alert["status"] == "firing" and a.get("alertname") == alertname
            if firing and all(a.get(k) == v for k, v in labels.items()):
                return True
    return False


@contextmanager
def process(argv: list[str], log: Path, env: dict[str, str] | None = None) -> Iterator[None]:
    with log.open("w") as out:
        child = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env)
        try:
            yield
        finally:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback
            return True
    except OSError:
        return False


def configure(state: Path, exporter_port: int, am_port: int, hook_port: int) -> Path:
    where = Endpoints(
        alertmanager=f"127.0.0.1:{am_port}", webhook_url=f"http://127.0.0.1:{hook_port}/"
    )
    files = generate(load_inventory(DEMO), TIMING, where).files
    out = state / "generated"
    for relative, content in files.items():
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    # the lab runs one exporter for the whole province (production: one per hub exporter host)
    targets = [{"targets": [f"127.0.0.1:{exporter_port}"], "labels": {"province": "demo"}}]
    (out / "demo/prometheus/targets/demo.json").write_text(json.dumps(targets), "utf-8")
    return out


def scenario(lab: Lab, state: Path) -> dict[str, Any]:
    for host, device in lab.devices.items():
        if device.spec.role == "video_endpoint":
            lab.load_config(host, REGISTRAR.format(host=host))
    exporter_port, prom_port, am_port = free_port(), free_port(), free_port()
    hook = Webhook()
    out = configure(state, exporter_port, am_port, hook.port)
    vault = state / "vault.yml"
    vault.write_text(VAULT, encoding="utf-8")
    exporter = [
        sys.executable, "-m", "communet_exporter", "--inventory", str(DEMO), "--lab", str(state),
        "--secrets", str(vault), "--web.listen-address", f"127.0.0.1:{exporter_port}",
        "--icmp.interval", ECHO_INTERVAL, "--icmp.timeout", "0.19s", "--snmp.interval", "3s",
        "--snmp.timeout", "0.5s", "--codec.interval", "3s",
    ]  # fmt: skip
    prometheus = [
        "prometheus", f"--config.file={out / 'demo/prometheus/prometheus.yml'}",
        f"--storage.tsdb.path={state / 'tsdb'}", f"--web.listen-address=127.0.0.1:{prom_port}",
    ]  # fmt: skip
    alertmanager = [
        "prometheus-alertmanager", f"--config.file={out / 'demo/alertmanager/alertmanager.yml'}",
        f"--storage.path={state / 'am'}", f"--web.listen-address=127.0.0.1:{am_port}",
        "--cluster.listen-address=",
    ]  # fmt: skip
    result: dict[str, Any] = {"timing": TIMING.__dict__, "echo_interval": ECHO_INTERVAL}
    env = {**os.environ, **ENVIRON}
    with (
        process(exporter, state / "exporter.log", env),
        process(alertmanager, state / "alertmanager.log"),
        process(prometheus, state / "prometheus.log"),
    ):
        up = wait_until(lambda: ready(f"http://127.0.0.1:{prom_port}/-/ready"), 30)
        am = wait_until(lambda: ready(f"http://127.0.0.1:{am_port}/-/ready"), 30)
        result["started"] = {"prometheus": up, "alertmanager": am}
        log(f"started: {result['started']}")
        try:
            result |= phases(lab, hook, prom_port, am_port)
        finally:
            result["logs"] = {
                name: (state / f"{name}.log").read_text(errors="replace")[-1500:]
                for name in ("exporter", "prometheus", "alertmanager")
            }
    return result


def phases(lab: Lab, hook: Webhook, prom: int, am: int) -> dict[str, Any]:
    r: dict[str, Any] = {}
    r["all_up"] = wait_until(
        lambda: value(prom, "count(commune:communet_state:code == 1)") == 4, 30
    )
    if r["all_up"] is None:
        return r  # the logs say why
    r |= quality(lab, hook, prom)
    for host in lab.devices:
        lab.clear_faults(host)

    log("2. a commu")
    # 2. a commune down (its hub up): CommuneDown at the webhook
    began = time.monotonic()
    for host in lab.site_hosts("phu-son-nghi-son"):
        lab.set_fault(host, down=True)
    r["commune_down_seconds"] = wait_until(
        lambda: notified(hook, began, "CommuneDown", commune="phu-son-nghi-son"), 90
    )
    for host in lab.site_hosts("phu-son-nghi-son"):
        lab.clear_faults(host)

    log("3. a hub d")
    # 3. a hub down with everything behind it: exactly one notification for that hub
    began = time.monotonic()
    behind = [h for h, d in lab.devices.items() if h.startswith("hub-thach-thanh")]
    behind += lab.site_hosts("thanh-son") + lab.site_hosts("phu-son-thach-thanh")
    for host in behind:
        lab.set_fault(host, down=True)
    r["hub_down_seconds"] = wait_until(
        lambda: notified(hook, began, "HubDown", uplink_hub="thach-thanh"), 90
    )
    time.sleep(3 * TIMING.group_wait + 2 * TIMING.group_interval)  # anything else would come
    hub_notes = [
        note
        for note in hook.since(began)
        if note["groupLabels"].get("uplink_hub") == "thach-thanh" and note["status"] == "firing"
    ]
    r["hub_notifications"] = [
        sorted(a["labels"]["alertname"] for a in note["alerts"]) for note in hub_notes
    ]
    r["hub_behind_states"] = {
        s["metric"]["commune"]: float(s["value"][1])
        for s in query(prom, 'commune:communet_state:code{uplink_hub="thach-thanh"}')
    }
    r["hub_prometheus_alerts"] = sorted(
        s["metric"]["alertname"]
        for s in query(prom, 'ALERTS{alertstate="firing",uplink_hub="thach-thanh"}')
    )
    for host in behind:
        lab.clear_faults(host)

    log("4. Alertma")
    # 4. Alertmanager's inhibition itself: a HubDown and alerts behind it posted together
    r["inhibition"] = inhibition(hook, am)

    log("5. a reboo")
    # 5. a reboot and an unregistered codec
    began = time.monotonic()
    lab.reboot("phu-son-nghi-son-ce1")
    r["reboot_seconds"] = wait_until(
        lambda: notified(hook, began, "DeviceRebooted", instance="phu-son-nghi-son-ce1"), 60
    )
    began = time.monotonic()
    lab.load_config("dinh-hai-vc1", 'xConfiguration SIP Proxy 1 Address: "10.99.99.99"\n')
    r["codec_seconds"] = wait_until(
        lambda: notified(hook, began, "CodecUnregistered", instance="dinh-hai-vc1"), 60
    )
    r["panels"] = panels(prom)
    return r


def panels(prom: int) -> list[dict[str, Any]]:
    """Every dashboard panel's query, variables substituted, evaluated on this Prometheus."""
    out = []
    for q in all_queries():
        expr = q.expr
        for name, text in PANEL_VARIABLES.items():
            expr = expr.replace(name, text)
        try:
            series = [s["metric"] for s in query(prom, expr)]
            error = None
        except OSError as failure:  # a bad query: Prometheus answers 400
            series, error = [], str(failure)
        out.append(
            {
                "dashboard": q.dashboard,
                "panel": q.panel,
                "expr": expr,
                "series": len(series),
                "error": error,
                "legend": list(q.legend_labels),
                "missing": sorted({n for m in series for n in q.legend_labels if n not in m}),
                "labels": sorted({n for m in series for n in m}),
            }
        )
    return out


def quality(lab: Lab, hook: Webhook, prom: int) -> dict[str, Any]:
    r: dict[str, Any] = {}
    log("1. 5 % los")
    # 1. 5 % loss on Định Hải, 80 ms delay on Phú Sơn (Nghi Sơn), for one rate window
    for host in lab.site_hosts("dinh-hai"):
        lab.set_fault(host, loss=0.05)
    for host in lab.site_hosts("phu-son-nghi-son"):
        lab.set_fault(host, latency=0.08)
    responder = lab.responder
    assert responder is not None
    drops: list[tuple[float, int]] = []  # (wall clock, what the lab dropped so far)
    began = time.monotonic()
    while time.monotonic() - began < TIMING.rate_window + 4:
        drops.append((time.time(), responder.dropped))
        time.sleep(0.1)
    # the recorded loss, and the truth over the same window: what the lab dropped of what
    # the exporter sent to Định Hải
    loss = query(prom, 'commune:communet_icmp_loss:ratio{commune="dinh-hai"}')
    r["loss"] = float(loss[0]["value"][1]) if loss else None
    stamp = 'timestamp(commune:communet_icmp_loss:ratio{commune="dinh-hai"})'
    at = float(query(prom, stamp)[0]["value"][1])
    sent = 'sum(communet_icmp_requests_total{commune="dinh-hai"})'
    window = TIMING.rate_window
    r["sent_in_window"] = value_at(prom, sent, at) - value_at(prom, sent, at - window)
    r["lab_dropped_in_window"] = dropped_at(drops, at) - dropped_at(drops, at - window)
    r["loss_devices"] = {
        s["metric"]["instance"]: float(s["value"][1])
        for s in query(prom, 'device:communet_icmp_loss:ratio{commune="dinh-hai"}')
    }
    r["rtt"] = value(prom, 'commune:communet_icmp_rtt:mean_seconds{commune="phu-son-nghi-son"}')
    r["rtt_baseline"] = value(prom, 'commune:communet_icmp_rtt:mean_seconds{commune="thanh-son"}')
    r["rtt_p50"] = value(prom, 'commune:communet_icmp_rtt:p50_seconds{commune="phu-son-nghi-son"}')
    r["lossy_alert"] = notified(hook, began, "LossyLink", commune="dinh-hai")
    r["slow_alert"] = notified(hook, began, "HighRtt", commune="phu-son-nghi-son")
    return r


def inhibition(hook: Webhook, am: int) -> dict[str, Any]:
    """Post a hub's page and four alerts behind it at once; the webhook must get the page only."""
    began = time.monotonic()
    common = {"province": "demo", "uplink_hub": "inhibit-test"}
    alerts = [{"labels": {"alertname": "HubDown", "severity": "page", **common}}]
    for name in ("CommuneDown", "DeviceDown", "CodecUnregistered", "LossyLink"):
        labels = {"alertname": name, "severity": "page", "commune": "x", **common}
        alerts.append({"labels": labels})
    request = urllib.request.Request(
        f"http://127.0.0.1:{am}/api/v2/alerts",
        data=json.dumps(alerts).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10):  # noqa: S310 - loopback
        pass
    time.sleep(3 * TIMING.group_wait)
    names = sorted(
        a["labels"]["alertname"]
        for note in hook.since(began)
        for a in note["alerts"]
        if a["labels"].get("uplink_hub") == "inhibit-test"
    )
    url = (
        f"http://127.0.0.1:{am}/api/v2/alerts?inhibited=true&filter=uplink_hub%3D%22inhibit-test%22"
    )
    with urllib.request.urlopen(url, timeout=10) as response:
        inhibited = sorted(
            a["labels"]["alertname"] for a in json.load(response) if a["status"]["inhibitedBy"]
        )
    return {"notified": names, "inhibited": inhibited}


def main() -> None:
    sys.setswitchinterval(0.0002)  # the lab's delayed replies are not held by the GIL
    prepare_namespace()
    state = Path(tempfile.mkdtemp(prefix="communet-noc-test-"))
    try:
        specs = specs_from_inventory(DEMO)
        with Lab(specs, network="127.70.0.0/16", icmp=True, state_dir=state) as lab:
            result = scenario(lab, state)
    finally:
        shutil.rmtree(state, ignore_errors=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
