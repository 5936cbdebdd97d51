"""Run inside ``unshare -rn``: a lab that answers ICMP with impairment, and the exporter.

``python netns_scenario.py NAME`` prints one JSON object for test_lab.py; not a test module.
Everything goes through real sockets: the exporter's one ICMP socket, its pysnmp engine, its
xAPI SSH sessions, and HTTP scrapes of its /metrics.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from prometheus_client.parser import text_string_to_metric_families

from communet.lab import Lab
from communet.lab.icmp import prepare_namespace
from communet.lab.ios import IosDevice
from communet.lab.runtime import specs_from_inventory
from communet_exporter.app import Exporter, Settings
from communet_exporter.targets import Selection, lab_reach
from communet_exporter.web import WebServer
from communet_exporter.webconfig import WebConfig

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "inventory" / "demo"
VAULT = (  # the secrets file format of the CLI, the exporter and Ansible
    "vault_snmp_user: communet\nvault_snmp_auth_key: lab-auth-key\n"
    "vault_snmp_priv_key: lab-priv-key\n"
)
ENVIRON = {"COMMUNET_USERNAME": "admin", "COMMUNET_PASSWORD": "lab", "COMMUNET_ENABLE": "lab"}
REGISTRAR = 'xConfiguration SIP URI: "{host}@hnth.thanhhoa.gov.vn"\n'
Samples = dict[tuple[str, str, str], float]  # (metric, instance, protocol/le) -> value


def parse(text: str) -> Samples:
    out: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = sample.labels
            extra = labels.get("protocol") or labels.get("le") or labels.get("kind", "")
            out[(sample.name, labels.get("instance", ""), extra)] = sample.value
    return out


async def scrape(port: int, path: str = "/metrics", method: str = "GET") -> str:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    data = await reader.read()
    writer.close()
    return data.split(b"\r\n\r\n", 1)[1].decode()


def settings(state: Path, *, inventory: Path = DEMO, **rates: Any) -> Settings:
    vault = state / "vault.yml"
    vault.write_text(VAULT, encoding="utf-8")
    return Settings(
        inventory=inventory,
        reach=lab_reach(state),
        secrets=vault,
        environ=ENVIRON,
        **rates,
    )


def hosts(lab: Lab, site: str) -> list[str]:
    return sorted(lab.site_hosts(site))


def first(lab: Lab, role: str, site: str | None = None) -> str:
    return next(
        h
        for h, d in sorted(lab.devices.items())
        if d.spec.role == role and (site is None or d.spec.site == site)
    )


def register(lab: Lab, codec: str) -> None:
    text = REGISTRAR.format(host=codec) + 'xConfiguration SIP Proxy 1 Address: "10.38.250.10"\n'
    lab.load_config(codec, text)


async def lab_lateness(lab: Lab, stop: threading.Event) -> list[float]:
    """How late the lab's own 80 ms timers fire while the exporter runs (the lab delays each
    reply with such a timer, on a thread of this busy process): the truth a measured delay
    is compared with is 80 ms plus this lateness, not 80 ms alone."""
    loop = lab.loop
    assert loop is not None

    async def probe() -> list[float]:
        late: list[float] = []
        while not stop.is_set():
            began = loop.time()
            await asyncio.sleep(0.08)
            late.append(loop.time() - began - 0.08)
        return late

    future = asyncio.run_coroutine_threadsafe(probe(), loop)
    return await asyncio.wrap_future(future)


async def run_exporter(  # noqa: PLR0917 - a test helper read at its call sites
    state: Path,
    scope: str,
    seconds: float,
    interval: float,
    watch: list[str],
    lab: Lab | None = None,
) -> tuple[Samples, dict[str, list[float]], Exporter]:
    """Probe ``scope`` every ``interval`` for ``seconds``; scrape every 0.25 s (the jitter
    gauge of the ``watch`` hosts is averaged over the scrapes, like PromQL's avg_over_time)."""
    exporter = Exporter(
        settings(state, icmp_interval=interval, icmp_timeout=0.5, selection=Selection(scope))
    )
    await exporter.start()
    gauges: dict[str, list[float]] = {h: [] for h in watch}
    for (host, _address), target_state in exporter.states.items():
        # every RTT in the order booked (under "rtts:HOST"): the mean |difference| of
        # consecutive ones is the jitter the EWMA gauge is checked against
        target_state.echo.observer = _append_to(gauges.setdefault(f"rtts:{host}", []))
    server = WebServer(exporter, WebConfig())
    port = await server.start("127.0.0.1", 0)
    stop = threading.Event()
    lateness = asyncio.ensure_future(lab_lateness(lab, stop)) if lab is not None else None
    began = time.monotonic()
    while time.monotonic() - began < seconds:
        await asyncio.sleep(0.25)
        if time.monotonic() - began < 2:
            continue  # the RFC 3550 estimator settles over its first few dozen replies
        samples = parse(await scrape(port))
        for host in watch:
            gauges[host].append(samples[("communet_icmp_jitter_seconds", host, "")])
    for spread in exporter.spreads():
        await spread.stop()
    await asyncio.sleep(0.7)  # every outstanding echo answered or timed out
    samples = parse(await scrape(port))
    await server.stop()
    await exporter.stop()
    stop.set()
    if lateness is not None:
        gauges["_lab_lateness"] = await lateness
    return samples, gauges, exporter


def _append_to(rtts: list[float]) -> Callable[[int, float], None]:
    return lambda _seq, rtt: rtts.append(rtt)


def per_target(
    samples: Samples, exporter: Exporter, gauges: dict[str, list[float]]
) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for host, _address in exporter.states:
        rtts = gauges[f"rtts:{host}"]
        differences = [abs(b - a) for a, b in itertools.pairwise(rtts)]
        out[host] = {
            "sent": samples[("communet_icmp_requests_total", host, "")],
            "received": samples[("communet_icmp_rtt_seconds_count", host, "")],
            "rtt_sum": samples[("communet_icmp_rtt_seconds_sum", host, "")],
            "le_0.05": samples[("communet_icmp_rtt_seconds_bucket", host, "0.05")],
            "le_0.15": samples[("communet_icmp_rtt_seconds_bucket", host, "0.15")],
            "ipdv_mean": sum(differences) / len(differences) if differences else 0.0,
        }
    return out


async def faults(lab: Lab, state: Path) -> dict[str, Any]:
    """One commune at a time, so that the lab and the exporter (one process, a busy shared
    machine) keep up: 5 % loss at 100 echoes a second per device (many minutes of
    default-rate samples in seconds), then 80 ms delay, a device down, and 80 ± 20 ms at 20
    a second (at 100 a second, replies jittered by ±20 ms overtake each other, which the
    default one echo per 5 s never sees)."""
    lossy = hosts(lab, "dinh-hai")
    slow = hosts(lab, "phu-son-nghi-son")
    jittery = hosts(lab, "phu-son-thach-thanh")
    down = first(lab, "access_switch", "thanh-son")
    for host in lossy:
        lab.set_fault(host, loss=0.05)
    for host in slow:
        lab.set_fault(host, latency=0.08)
    for host in jittery:
        lab.set_fault(host, latency=0.08, jitter=0.02)
    lab.set_fault(down, down=True)
    responder = lab.responder
    assert responder is not None
    before = (responder.dropped, responder.answered)
    samples, booked, exporter = await run_exporter(state, "dinh-hai", 8, 0.01, [])
    result: dict[str, Any] = {
        "lab_dropped": responder.dropped - before[0],
        "lab_answered": responder.answered - before[1],
        "outstanding": exporter.pinger.outstanding(),
        "late": exporter.pinger.counters.late,
        "duplicates": exporter.pinger.counters.duplicates,
        "down": down,
        "targets": per_target(samples, exporter, booked),
        "groups": {"lossy": lossy, "slow": slow, "jittery": jittery},
    }
    samples, lab_timers, exporter = await run_exporter(state, "phu-son-nghi-son", 5, 0.05, [], lab)
    result["targets"] |= per_target(samples, exporter, lab_timers)
    result["lateness_slow"] = lab_timers["_lab_lateness"]
    samples, booked, exporter = await run_exporter(state, "thanh-son", 4, 0.02, [])
    result["targets"] |= per_target(samples, exporter, booked)
    # 24 s of samples: the averaged RFC 3550 gauge (a 1/16 moving estimate) settles to a
    # fraction of a ms even when the other test worker loads the machine in bursts
    samples, gauges, exporter = await run_exporter(
        state, "phu-son-thach-thanh", 24, 0.05, jittery, lab
    )
    result["lateness_jitter"] = gauges.pop("_lab_lateness")
    result["jitter_targets"] = per_target(samples, exporter, gauges)
    result["jitter_avg"] = {h: sum(gauges[h]) / len(gauges[h]) for h in jittery}
    return result


async def wait_for(port: int, condition: Callable[[Samples], bool], limit: float) -> float | None:
    """Seconds until ``condition`` holds on a scrape (None: not within ``limit``)."""
    began = time.monotonic()
    while time.monotonic() - began < limit:
        if condition(parse(await scrape(port))):
            return time.monotonic() - began
        await asyncio.sleep(0.05)
    return None


async def events(lab: Lab, state: Path) -> dict[str, Any]:
    """Down, reboot, WAN link down, site cut off and codec unregistered, at short intervals:
    each must show within one interval of its probe."""
    codec = first(lab, "video_endpoint", "dinh-hai")
    register(lab, codec)
    rates: dict[str, Any] = {"icmp_interval": 0.5, "icmp_timeout": 0.3, "snmp_interval": 1.0}
    rates |= {"snmp_timeout": 0.3, "codec_interval": 1.0}
    exporter = Exporter(settings(state, **rates))
    await exporter.start()
    server = WebServer(exporter, WebConfig())
    port = await server.start("127.0.0.1", 0)
    down = first(lab, "access_switch", "thanh-son")
    rebooted = first(lab, "ce_router", "phu-son-nghi-son")
    wan = first(lab, "ce_router", "dinh-hai")
    cut = hosts(lab, "phu-son-thach-thanh")
    before = parse(await scrape(port))
    ready = await wait_for(
        port,
        lambda s: (
            s.get(("communet_codec_registered", codec, "sip")) == 1
            and s.get(("communet_wan_link_up", wan, "")) == 1
            and s.get(("communet_snmp_engine_boots", rebooted, "")) == 1
        ),
        5,
    )
    before = parse(await scrape(port))
    result: dict[str, Any] = {"ready": ready, "rates": rates, "before": {}}
    result["before"] = {
        "codec_sip": before[("communet_codec_registered", codec, "sip")],
        "wan": before[("communet_wan_link_up", wan, "")],
        "boots": before[("communet_snmp_engine_boots", rebooted, "")],
        "uptime": before[("communet_device_uptime_seconds", rebooted, "")],
        "down_received": before[("communet_icmp_rtt_seconds_count", down, "")],
    }
    await asyncio.sleep(1.5)  # uptime grows past zero before the reboot

    def lost(host: str, base: Samples) -> Callable[[Samples], bool]:
        def check(s: Samples) -> bool:
            sent = s[("communet_icmp_requests_total", host, "")]
            got = s[("communet_icmp_rtt_seconds_count", host, "")]
            base_lost = base[("communet_icmp_requests_total", host, "")]
            base_lost -= base[("communet_icmp_rtt_seconds_count", host, "")]
            return sent - got - base_lost >= 2  # one echo lost (plus one perhaps in flight)

        return check

    base = parse(await scrape(port))
    lab.set_fault(down, down=True)
    result["down"] = await wait_for(port, lost(down, base), 5)

    uptime_before = parse(await scrape(port))[("communet_device_uptime_seconds", rebooted, "")]
    lab.reboot(rebooted)
    result["reboot"] = await wait_for(
        port,
        lambda s: (
            s.get(("communet_snmp_engine_boots", rebooted, "")) == 2
            and s.get(("communet_device_uptime_seconds", rebooted, ""), 1e9) < uptime_before
        ),
        5,
    )
    result["uptime_before_reboot"] = uptime_before

    device = lab.device(wan)
    assert isinstance(device, IosDevice)
    shut = device.base_config().replace(
        "interface GigabitEthernet0/0/0\n", "interface GigabitEthernet0/0/0\n shutdown\n", 1
    )
    assert shut != device.base_config()
    lab.load_config(wan, shut)
    result["wan"] = await wait_for(port, lambda s: s.get(("communet_wan_link_up", wan, "")) == 0, 5)

    lab.load_config(codec, 'xConfiguration SIP Proxy 1 Address: "10.99.99.99"\n')
    result["codec"] = await wait_for(
        port, lambda s: s.get(("communet_codec_registered", codec, "sip")) == 0, 5
    )

    base = parse(await scrape(port))
    lab.set_site_fault("phu-son-thach-thanh", link_down=True)
    snmp_cut = [h for h in cut if ("communet_snmp_up", h, "") in base]
    result["cut"] = await wait_for(
        port,
        lambda s: (
            all(lost(h, base)(s) for h in cut)
            and all(s.get(("communet_snmp_up", h, "")) == 0 for h in snmp_cut)
        ),
        5,
    )
    result["cut_hosts"] = cut
    result["exposition"] = await scrape(port)  # everything: targets and self-metrics
    await server.stop()
    await exporter.stop()
    return result


async def reload(lab: Lab, state: Path) -> dict[str, Any]:
    """The real communet-exporter process: SIGHUP and POST /-/reload add and remove targets;
    the counters of the others go on."""
    inventory = state / "inventory"
    shutil.copytree(DEMO, inventory)
    district = inventory / "districts" / "thach-thanh.yml"
    full = district.read_text(encoding="utf-8")
    district.unlink()  # start without the Thạch Thành district
    vault = state / "vault.yml"
    vault.write_text(VAULT, encoding="utf-8")
    argv = [
        sys.executable, "-m", "communet_exporter", "--inventory", str(inventory),
        "--lab", str(state), "--secrets", str(vault), "--web.listen-address",
        "127.0.0.1:0", "--icmp.interval", "0.2s", "--snmp.interval", "60s",
        "--codec.interval", "60s",
    ]  # fmt: skip
    env = {**os.environ, **ENVIRON}
    process = subprocess.Popen(argv, env=env, stderr=subprocess.PIPE, text=True)
    log: list[str] = []
    try:
        port = await asyncio.to_thread(_port_of, process, log)
        await asyncio.sleep(1.0)
        first_scrape = parse(await scrape(port))
        thach_thanh = [h for h in lab.devices if lab.devices[h].spec.site.endswith("thach-thanh")]
        kept = "dinh-hai-sw1"
        result: dict[str, Any] = {
            "initial": sorted(
                {k[1] for k in first_scrape if k[0] == "communet_icmp_requests_total"}
            ),
            "kept_before": first_scrape[("communet_icmp_requests_total", kept, "")],
            "thach_thanh": thach_thanh,
        }
        district.write_text(full, encoding="utf-8")  # add the district back: SIGHUP
        process.send_signal(signal.SIGHUP)
        await asyncio.sleep(1.0)
        after_hup = parse(await scrape(port))
        result["after_sighup"] = sorted(
            {k[1] for k in after_hup if k[0] == "communet_icmp_requests_total"}
        )
        result["kept_after_sighup"] = after_hup[("communet_icmp_requests_total", kept, "")]
        (inventory / "districts" / "nghi-son.yml").unlink()  # remove a district: POST
        result["post"] = await scrape(port, "/-/reload", "POST")
        after_post = parse(await scrape(port))
        result["after_post"] = sorted(
            {k[1] for k in after_post if k[0] == "communet_icmp_requests_total"}
        )
        survivor = "phu-son-thach-thanh-sw1"
        result["survivor_after_sighup"] = after_hup[("communet_icmp_requests_total", survivor, "")]
        result["survivor_after_post"] = after_post[("communet_icmp_requests_total", survivor, "")]
        (inventory / "province.yml").write_text("code: [\n", encoding="utf-8")
        result["bad_post"] = await scrape(port, "/-/reload", "POST")
        after_bad = parse(await scrape(port))
        result["after_bad"] = sorted(
            {k[1] for k in after_bad if k[0] == "communet_icmp_requests_total"}
        )
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            _, stderr = process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            _, stderr = process.communicate()
    result["returncode"] = process.returncode
    result["stderr"] = "".join(log) + stderr
    return result


def _port_of(process: subprocess.Popen[str], log: list[str]) -> int:
    """The port from the exporter's "listening on http://127.0.0.1:PORT/metrics" line."""
    assert process.stderr is not None
    for line in process.stderr:
        log.append(line)
        if "listening on" in line:
            return int(line.rsplit(":", 1)[1].split("/")[0])
    raise RuntimeError("the exporter exited: " + "".join(log))


SCENARIOS = {"faults": faults, "events": events, "reload": reload}


def main() -> None:
    # The lab's loop runs on a thread of this process: switch threads often, so that a reply
    # the lab delays by 80 ms is not held a further few ms by the GIL (that would be the lab's
    # error, not the exporter's).
    sys.setswitchinterval(0.0002)
    prepare_namespace()
    scenario = SCENARIOS[sys.argv[1]]
    state = Path(tempfile.mkdtemp(prefix="communet-exporter-test-"))
    try:
        with Lab(
            specs_from_inventory(DEMO), network="127.70.0.0/16", icmp=True, state_dir=state
        ) as lab:
            result = asyncio.run(scenario(lab, state))
    finally:
        shutil.rmtree(state, ignore_errors=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
