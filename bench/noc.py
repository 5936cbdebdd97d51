"""NOC bench: Prometheus' rule evaluation time and series count for a province and the nation.

    .venv/bin/python bench/noc.py [--inventory inventory/thanh-hoa] [--seconds 90] [--json F]

Starts, on 127.0.0.1, a province Prometheus (Debian) with the rules that ``communet monitoring
generate`` writes for the inventory (production timing: scrape and evaluation every 10 s,
5 m rate window), scraping an exposition of every active device's exporter series (the
exporter's metric names and label sets, values growing as a healthy province's would; the
exporter itself is benched in bench/exporter.py), and a national Prometheus federating the
province's recorded series. After ``--seconds`` it reads each server's own metrics: rule group
evaluation time (last and the summary's median/p99), series in the head block, CPU seconds and
RSS of the Prometheus process (from /proc). The national figures are for one province; a
country of N provinces federates N times the series (the rules evaluate over the sum).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from prometheus_client.parser import text_string_to_metric_families

from communet.inventory import LoadedInventory, load_inventory
from communet.inventory.model import Role, Status
from communet.monitoring.configs import Endpoints
from communet.monitoring.generate import generate
from communet.monitoring.rules import Timing

REPO = Path(__file__).resolve().parents[1]
SNMP = {Role.ACCESS_SWITCH, Role.AGGREGATION_SWITCH, Role.CE_ROUTER, Role.INTERNET_ROUTER}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def exposition(loaded: LoadedInventory, began: float) -> str:
    """Series per device as the exporter writes them (8 ICMP + SNMP 3-4 / codec 4)."""
    t = time.monotonic() - began
    sent = int(t / 5) + 1
    out: list[str] = []
    for d in loaded.devices:
        if d.status != Status.ACTIVE or d.role == Role.EXPORTER_HOST:
            continue
        labels = ",".join(f'{k}="{v}"' for k, v in d.labels.items())
        labels += f',role="{d.role}",platform="{d.platform}"'
        out += [
            f"communet_icmp_requests_total{{{labels}}} {sent}",
            *(
                f'communet_icmp_rtt_seconds_bucket{{{labels},le="{le}"}} {sent}'
                for le in ("0.05", "0.15", "0.3", "+Inf")
            ),
            f"communet_icmp_rtt_seconds_sum{{{labels}}} {sent * 0.012}",
            f"communet_icmp_rtt_seconds_count{{{labels}}} {sent}",
            f"communet_icmp_jitter_seconds{{{labels}}} 0.002",
        ]
        if d.role in SNMP:
            out += [
                f"communet_snmp_up{{{labels}}} 1",
                f"communet_device_uptime_seconds{{{labels}}} {1000 + t}",
                f"communet_snmp_engine_boots{{{labels}}} 3",
            ]
            if d.role == Role.CE_ROUTER:
                out.append(f"communet_wan_link_up{{{labels}}} 1")
        elif d.role == Role.VIDEO_ENDPOINT:
            out += [
                f"communet_codec_up{{{labels}}} 1",
                f"communet_device_uptime_seconds{{{labels}}} {1000 + t}",
                f'communet_codec_registered{{{labels},protocol="sip"}} 1',
                f'communet_codec_registered{{{labels},protocol="h323"}} 0',
            ]
    return "\n".join(out) + "\n"


def serve(loaded: LoadedInventory) -> tuple[ThreadingHTTPServer, int]:
    began = time.monotonic()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = exposition(loaded, began).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


def query(port: int, expr: str) -> list[dict[str, Any]]:
    url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(url, timeout=10) as response:
        result: list[dict[str, Any]] = json.load(response)["data"]["result"]
        return result


def one(port: int, expr: str) -> float | None:
    result = query(port, expr)
    return float(result[0]["value"][1]) if result else None


def proc_stats(pid: int) -> dict[str, float]:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    rss_pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    return {
        "cpu_seconds": (int(fields[11]) + int(fields[12])) / tick,
        "rss_mib": rss_pages * os.sysconf("SC_PAGE_SIZE") / 2**20,
    }


def own_metrics(port: int) -> dict[tuple[str, str], float]:
    """Prometheus' own /metrics: (sample name, rule_group or quantile) -> value."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        text = response.read().decode()
    out: dict[tuple[str, str], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            key = sample.labels.get("rule_group", "").rsplit(";", 1)[-1]
            if "quantile" in sample.labels:
                key += "@" + sample.labels["quantile"]
            out[(sample.name, key)] = sample.value
    return out


def slowest_rules(port: int, count: int = 6) -> list[tuple[str, float]]:
    """The rules that took longest in their last evaluation (Prometheus' /api/v1/rules)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/rules", timeout=10) as response:
        groups = json.load(response)["data"]["groups"]
    rules = [
        (rule.get("name", ""), float(rule.get("evaluationTime", 0.0)))
        for group in groups
        for rule in group["rules"]
    ]
    return sorted(rules, key=lambda r: -r[1])[:count]


def figures(port: int, pid: int, groups: list[str]) -> dict[str, Any]:
    own = own_metrics(port)
    out: dict[str, Any] = {"head_series": own.get(("prometheus_tsdb_head_series", ""))}
    for group in groups:
        out[group] = {
            "last_seconds": own.get(("prometheus_rule_group_last_duration_seconds", group)),
            "p50_seconds": own.get(("prometheus_rule_group_duration_seconds", "@0.5")),
            "p99_seconds": own.get(("prometheus_rule_group_duration_seconds", "@0.99")),
            "rules": own.get(("prometheus_rule_group_rules", group)),
            "samples_per_evaluation": own.get(
                ("prometheus_rule_group_last_evaluation_samples", group)
            ),
            "evaluations": own.get(("prometheus_rule_group_iterations_total", group)),
            "missed": own.get(("prometheus_rule_group_iterations_missed_total", group)),
        }
    out["scrape_seconds"] = own.get(("prometheus_target_interval_length_seconds", "@0.5"))
    out["slowest_rules"] = slowest_rules(port)
    return out | proc_stats(pid)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--inventory", type=Path, default=REPO / "inventory" / "thanh-hoa")
    parser.add_argument("--seconds", type=float, default=90)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if shutil.which("prometheus") is None:
        sys.exit("bench/noc.py: install the Debian package prometheus (make test does)")
    loaded = load_inventory(args.inventory)
    timing = Timing()
    work = Path(tempfile.mkdtemp(prefix="communet-bench-noc-"))
    server, exporter_port = serve(loaded)
    province_port, national_port, bare_port = free_port(), free_port(), free_port()
    slug = loaded.plans[0].province.slug
    files = generate(
        loaded, timing, Endpoints(alertmanager="127.0.0.1:9"),
        province_prometheus={slug: f"127.0.0.1:{province_port}"},
    ).files  # fmt: skip
    for relative, content in files.items():
        (work / relative).parent.mkdir(parents=True, exist_ok=True)
        (work / relative).write_text(content, encoding="utf-8")
    targets = [{"targets": [f"127.0.0.1:{exporter_port}"], "labels": {"province": slug}}]
    (work / slug / "prometheus/targets" / f"{slug}.json").write_text(json.dumps(targets))
    # the same scrapes without rules: the difference in CPU is the rules' cost
    province_config = work / slug / "prometheus/prometheus.yml"
    bare = province_config.with_name("bare.yml")
    bare.write_text(
        province_config.read_text(encoding="utf-8").replace("- rules/communet.yml", ""), "utf-8"
    )
    children = []
    try:
        for config, port, data in (
            (province_config, province_port, work / "data-province"),
            (work / "national/prometheus.yml", national_port, work / "data-national"),
            (bare, bare_port, work / "data-bare"),
        ):
            log = (work / f"{data.name}.log").open("w")
            argv = [
                "prometheus",
                f"--config.file={config}",
                f"--storage.tsdb.path={data}",
                f"--web.listen-address=127.0.0.1:{port}",
            ]
            children.append(subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT))
        sys.stderr.write(f"bench/noc.py: {args.seconds:.0f} s of evaluations ...\n")
        time.sleep(args.seconds)
        devices = sum(1 for d in loaded.devices if d.status == Status.ACTIVE)
        result = {
            "inventory": str(args.inventory),
            "devices": devices,
            "communes": sum(1 for p in loaded.plans for s in p.sites if s.kind == "commune"),
            "seconds": args.seconds,
            "province": figures(province_port, children[0].pid, ["communet"]),
            "national": figures(national_port, children[1].pid, ["communet-national"]),
            "province_without_rules": figures(bare_port, children[2].pid, []),
            "machine": f"{platform.node()} {platform.processor() or platform.machine()}, "
            f"{os.cpu_count()} CPUs, Python {platform.python_version()}",
            "prometheus": subprocess.run(
                ["prometheus", "--version"], capture_output=True, text=True, check=False
            ).stdout.splitlines()[0],
        }
    finally:
        for child in children:
            child.terminate()
            child.wait(timeout=20)
        server.shutdown()
        shutil.rmtree(work, ignore_errors=True)
    province = result["province"]
    evaluations = province["communet"]["evaluations"] or 1
    extra = province["cpu_seconds"] - result["province_without_rules"]["cpu_seconds"]
    result["rules_cpu_seconds_per_evaluation"] = extra / evaluations
    result["load_average"] = os.getloadavg()
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
