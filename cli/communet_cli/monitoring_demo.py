"""``make monitoring-demo``: lab, exporter, Prometheus, Alertmanager, a fault and its alert.

Runs in its own user + network namespace (``unshare -rn``, re-executed automatically): the
demo province's lab answers ICMP/SNMP/xAPI on 127.x addresses, communet-exporter probes it,
Prometheus (Debian) evaluates the rules of ``communet monitoring generate``, Alertmanager
(Debian) posts to a receiver here that prints each notification. Then one commune goes down,
and its hub after it: the NOC gets one page per failure. Intervals are shortened (1 s) so the
demo takes about a minute.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from communet.inventory import load_inventory
from communet.lab import Lab
from communet.lab.icmp import prepare_namespace
from communet.lab.runtime import specs_from_inventory
from communet.monitoring.configs import Endpoints
from communet.monitoring.generate import generate
from communet.monitoring.rules import Timing

DEMO = Path(__file__).resolve().parents[2] / "inventory" / "demo"
TIMING = Timing(
    scrape_interval=1,
    evaluation_interval=1,
    rate_window=30,
    reach_window=3,
    quality_for=15,
    device_for=3,
    codec_for=10,  # > the reach window, as in production (2m vs 30s)
    group_wait=3,
    group_interval=5,
)
VAULT = (  # the one secrets file format (the CLI's --secrets, the exporter's, Ansible -e @)
    "vault_snmp_user: communet\nvault_snmp_auth_key: lab-auth-key\n"
    "vault_snmp_priv_key: lab-priv-key\n"
)
ENVIRON = {"COMMUNET_USERNAME": "admin", "COMMUNET_PASSWORD": "lab", "COMMUNET_ENABLE": "lab"}


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def receiver(pages: list[dict[str, Any]]) -> int:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            note = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            for alert in note["alerts"]:
                if alert["status"] == "firing":
                    pages.append(alert)
                    say(f"PAGE {alert['labels']['alertname']}: {alert['annotations']['summary']}")
                    say(f"     việc cần làm: {alert['annotations']['action']}")
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_address[1]


def wait_for(pages: list[dict[str, Any]], alertname: str, limit: float = 60) -> None:
    began = time.monotonic()
    while time.monotonic() - began < limit:
        if any(p["labels"]["alertname"] == alertname for p in pages):
            return
        time.sleep(0.5)
    say(f"no {alertname} within {limit:.0f} s (see the logs above)")


def run(state: Path) -> None:
    pages: list[dict[str, Any]] = []
    hook = receiver(pages)
    ports = {name: free_port() for name in ("exporter", "prometheus", "alertmanager")}
    where = Endpoints(f"127.0.0.1:{ports['alertmanager']}", f"http://127.0.0.1:{hook}/")
    out = state / "generated"
    for relative, text in generate(load_inventory(DEMO), TIMING, where).files.items():
        (out / relative).parent.mkdir(parents=True, exist_ok=True)
        (out / relative).write_text(text, encoding="utf-8")
    targets = [{"targets": [f"127.0.0.1:{ports['exporter']}"], "labels": {"province": "demo"}}]
    (out / "demo/prometheus/targets/demo.json").write_text(json.dumps(targets), "utf-8")
    (state / "secrets.yml").write_text(VAULT, encoding="utf-8")
    say(f"generated Prometheus and Alertmanager files under {out}")
    with Lab(
        specs_from_inventory(DEMO), network="127.70.0.0/16", icmp=True, state_dir=state
    ) as lab:
        for host, device in lab.devices.items():
            if device.spec.role == "video_endpoint":
                lab.load_config(host, f'xConfiguration SIP URI: "{host}@hnth.thanhhoa.gov.vn"\n'
                                'xConfiguration SIP Proxy 1 Address: "10.38.250.10"\n')  # fmt: skip
        say(f"lab up: {len(lab.devices)} devices of the demo province on 127.70.x.y")
        commands = {
            "exporter": [sys.executable, "-m", "communet_exporter", "--inventory", str(DEMO),
                         "--lab", str(state), "--secrets", str(state / "secrets.yml"),
                         "--web.listen-address", f"127.0.0.1:{ports['exporter']}",
                         "--icmp.interval", "0.5s", "--snmp.interval", "5s",
                         "--codec.interval", "5s"],
            "prometheus": ["prometheus", f"--config.file={out}/demo/prometheus/prometheus.yml",
                           f"--storage.tsdb.path={state}/tsdb",
                           f"--web.listen-address=127.0.0.1:{ports['prometheus']}"],
            "alertmanager": ["prometheus-alertmanager",
                             f"--config.file={out}/demo/alertmanager/alertmanager.yml",
                             f"--storage.path={state}/am", "--cluster.listen-address=",
                             f"--web.listen-address=127.0.0.1:{ports['alertmanager']}"],
        }  # fmt: skip
        with ExitStack() as stack:
            for name, argv in commands.items():
                log = stack.enter_context((state / f"{name}.log").open("w"))
                child = subprocess.Popen(
                    argv, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **ENVIRON}
                )
                stack.callback(child.wait, 10)
                stack.callback(child.terminate)
                say(f"{name} started (pid {child.pid}, 127.0.0.1:{ports[name]})")
            say("waiting 15 s for the first rates ...")
            time.sleep(15)
            say("FAULT: every device of the commune Định Hải stops answering")
            for host in lab.site_hosts("dinh-hai"):
                lab.set_fault(host, down=True)
            wait_for(pages, "CommuneDown")
            for host in lab.site_hosts("dinh-hai"):
                lab.clear_faults(host)
            say("FAULT: the hub Thạch Thành and the two communes behind it go dark")
            behind = [h for h in lab.devices if h.startswith("hub-thach-thanh")]
            behind += lab.site_hosts("thanh-son") + lab.site_hosts("phu-son-thach-thanh")
            before = len(pages)
            for host in behind:
                lab.set_fault(host, down=True)
            wait_for(pages, "HubDown")
            time.sleep(10)
            names = [p["labels"]["alertname"] for p in pages[before:]]
            say(f"pages for the hub failure: {names} (one page, not one per commune)")


def main() -> None:
    missing = [p for p in ("prometheus", "prometheus-alertmanager") if shutil.which(p) is None]
    if missing:
        sys.exit(f"monitoring-demo: install the Debian packages {missing} (make test does)")
    if os.environ.get("COMMUNET_IN_NETNS") != "1":
        env = {**os.environ, "COMMUNET_IN_NETNS": "1"}
        argv = ["unshare", "-rn", sys.executable, "-m", "communet_cli.monitoring_demo"]
        sys.exit(subprocess.run(argv, env=env, check=False).returncode)
    prepare_namespace()
    state = Path(tempfile.mkdtemp(prefix="communet-monitoring-demo-"))
    try:
        run(state)
    finally:
        shutil.rmtree(state, ignore_errors=True)


if __name__ == "__main__":
    main()
