"""The national view on an existing engine: two province Prometheus servers and one national
Prometheus federating their recorded series, all real (Debian prometheus) on 127.0.0.1.

Each province Prometheus loads the rules generated for its province and scrapes a small
exposition of exporter series written here (test data: in province A every commune answers, in
province B one commune of four stops answering); "hourly" availability is recorded every 5 s.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from communet.inventory import LoadedInventory, load_inventory
from communet.monitoring.configs import Endpoints
from communet.monitoring.generate import generate
from communet.monitoring.rules import Timing

REPO = Path(__file__).resolve().parents[2]
TIMING = Timing(scrape_interval=1, evaluation_interval=1, rate_window=10, reach_window=3,
                availability_period=5)  # fmt: skip
DOWN = "dinh-hai"  # in province B

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("prometheus") is None, reason="no prometheus"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def province_copy(tmp: Path, slug: str) -> LoadedInventory:
    """The demo inventory as another province (same communes, its own slug)."""
    root = tmp / f"inventory-{slug}"
    shutil.copytree(REPO / "inventory" / "demo", root)
    province = root / "province.yml"
    text = province.read_text(encoding="utf-8").replace("slug: demo", f"slug: {slug}", 1)
    province.write_text(text, encoding="utf-8")
    return load_inventory(root)


def exposition(loaded: LoadedInventory, began: float, down: str | None) -> str:
    seconds = time.monotonic() - began
    sent = int(seconds * 5)
    lines = []
    for device in loaded.devices:
        labels = ",".join(f'{k}="{v}"' for k, v in device.labels.items())
        got = 0 if device.labels["commune"] == down else sent
        lines += [
            f"communet_icmp_requests_total{{{labels}}} {sent}",
            f"communet_icmp_rtt_seconds_count{{{labels}}} {got}",
            f"communet_icmp_rtt_seconds_sum{{{labels}}} {got * 0.01}",
        ]
    return "\n".join(lines) + "\n"


@contextmanager
def serve(loaded: LoadedInventory, down: str | None) -> Iterator[int]:
    began = time.monotonic()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = exposition(loaded, began, down).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()


@contextmanager
def prometheus(config: Path, data: Path, port: int) -> Iterator[None]:
    log = (data.parent / f"prometheus-{port}.log").open("w")
    child = subprocess.Popen(
        ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={data}",
         f"--web.listen-address=127.0.0.1:{port}"],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        yield
    finally:
        child.terminate()
        child.wait(timeout=10)
        log.close()


def query(port: int, expr: str) -> list[dict[str, object]]:
    url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(url, timeout=5) as response:
        result: list[dict[str, object]] = json.load(response)["data"]["result"]
        return result


def scalar(port: int, expr: str) -> float | None:
    result = query(port, expr)
    if not result:
        return None
    value = result[0]["value"]
    assert isinstance(value, list)
    return float(value[1])


def test_national_prometheus_federates_the_provinces_availability(tmp_path: Path) -> None:
    provinces = {"tinh-a": None, "tinh-b": DOWN}
    ports = {slug: free_port() for slug in provinces}
    with ExitStack() as stack:
        for slug, down in provinces.items():
            loaded = province_copy(tmp_path, slug)
            exporter = stack.enter_context(serve(loaded, down))
            out = tmp_path / "generated" / slug
            addresses = {s: f"127.0.0.1:{p}" for s, p in ports.items()}
            where = Endpoints(alertmanager="127.0.0.1:9")
            files = generate(loaded, TIMING, where, province_prometheus=addresses).files
            for relative, content in files.items():
                (out / relative).parent.mkdir(parents=True, exist_ok=True)
                (out / relative).write_text(content, encoding="utf-8")
            targets = [{"targets": [f"127.0.0.1:{exporter}"], "labels": {"province": slug}}]
            (out / slug / "prometheus/targets" / f"{slug}.json").write_text(json.dumps(targets))
            config = out / slug / "prometheus/prometheus.yml"
            stack.enter_context(prometheus(config, tmp_path / f"data-{slug}", ports[slug]))
        # the national configuration as generated (from a single inventory holding both
        # provinces it would list both; here each run listed its own, so merge the two)
        national_dir = tmp_path / "generated" / "national"
        national = tmp_path / "generated" / "tinh-b" / "national"
        shutil.copytree(national, national_dir)
        config_text = (national_dir / "prometheus.yml").read_text(encoding="utf-8")
        a_job = (tmp_path / "generated" / "tinh-a" / "national" / "prometheus.yml").read_text(
            encoding="utf-8"
        )
        assert "federate-tinh-b" in config_text
        assert "federate-tinh-a" in a_job
        merged = config_text.replace(
            "scrape_configs:\n", "scrape_configs:\n" + a_job.split("scrape_configs:\n", 1)[1], 1
        )
        (national_dir / "prometheus.yml").write_text(merged, encoding="utf-8")
        national_port = free_port()
        stack.enter_context(
            prometheus(national_dir / "prometheus.yml", tmp_path / "data-national", national_port)
        )
        deadline = time.monotonic() + 90
        figure = None
        while time.monotonic() < deadline:
            time.sleep(2)
            try:
                figure = scalar(national_port, "national:communet_availability:ratio_1h")
                provinces_seen = query(national_port, "province:communet_availability:ratio_1h")
            except OSError:
                continue
            if figure is not None and len(provinces_seen) == 2 and figure < 1:
                break
        assert figure is not None, {
            slug: query(port, "commune:communet_up_seconds:1h") for slug, port in ports.items()
        } | {"national": query(national_port, '{__name__=~"commune:.*"}')[:3]}
        by_province = {
            str(s["metric"]["province"]): float(s["value"][1])  # type: ignore[index]
            for s in query(national_port, "province:communet_availability:ratio_1h")
        }
        assert by_province["tinh-a"] == 1.0
        assert 0.5 < by_province["tinh-b"] < 1.0  # one commune of four down, for most of it
        assert by_province["tinh-b"] < figure < 1.0  # the country is between its provinces

        def counts() -> dict[str, float]:
            return {
                str(s["metric"]["state"]): float(s["value"][1])  # type: ignore[index]
                for s in query(national_port, "national:communet_communes:count")
            }

        deadline = time.monotonic() + 30
        while counts() != {"up": 7.0, "down": 1.0} and time.monotonic() < deadline:
            time.sleep(1)
        assert counts() == {"up": 7.0, "down": 1.0}
        # only recorded series travel: no raw echo counter reached the national store
        assert query(national_port, "count(communet_icmp_requests_total)") == []
