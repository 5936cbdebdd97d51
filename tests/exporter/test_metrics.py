"""The hand-rendered exposition: valid for Prometheus' own checker, parseable by
prometheus_client's parser, and few series per target."""

from __future__ import annotations

import bisect
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from communet.inventory import load_inventory
from communet.probe.codec import CodecStatus
from communet.probe.icmp import DEFAULT_BUCKETS, EchoStats, Pinger
from communet.probe.snmp import SnmpStatus
from communet.probe.tcp import TcpResult
from communet_exporter import metrics
from communet_exporter.metrics import TargetState, render
from communet_exporter.targets import Reach, Selection, build_targets, select

REPO = Path(__file__).resolve().parents[2]
ENV = {"COMMUNET_USERNAME": "admin", "COMMUNET_PASSWORD": "lab", "COMMUNET_ENABLE": "lab"}
VAULT = {"snmp_user": "u", "snmp_auth_key": "authkey1", "snmp_priv_key": "privkey1"}


def replied(
    sent: int, rtts: tuple[float, ...], buckets: tuple[float, ...] = DEFAULT_BUCKETS
) -> EchoStats:
    """The counters of ``sent`` echoes of which ``rtts`` came back in time."""
    counts = [0] * (len(buckets) + 1)
    for rtt in rtts:
        counts[bisect.bisect_left(buckets, rtt)] += 1
    return EchoStats(
        sent=sent, received=len(rtts), rtt_sum=sum(rtts), bucket_counts=tuple(counts),
        buckets=buckets, last_rtt=rtts[-1], jitter=0.0125,
    )  # fmt: skip


def states(tcp: tuple[str, ...] = ()) -> list[TargetState]:
    loaded = load_inventory(REPO / "inventory" / "demo")
    devices = select(loaded.devices, Selection())
    snmp = {plan.province.slug: plan.province.snmp for plan in loaded.plans}
    targets = build_targets(devices, snmp, Reach(), VAULT, tcp_services=tcp, environ=ENV)
    out = []
    pinger = Pinger()
    for index, target in enumerate(targets):
        echo = pinger.add(target.address)
        pinger.restore(echo, replied(100 + index, (0.004, 0.090, 0.200, 0.400)))
        state = TargetState(target, echo)
        if target.snmp is not None:
            state.snmp = SnmpStatus(True, uptime=123.0, boots=3, wan_up=index % 2 == 0)
        if target.codec is not None:
            state.codec = CodecStatus(True, sip="Registered", h323="Inactive", uptime=55.0)
        for service, port in target.tcp:
            state.tcp[service] = TcpResult(target.address, port, True, 0.0012)
        out.append(state)
    return out


def test_promtool_check_metrics_passes(tmp_path: Path) -> None:
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool (Debian package prometheus; make test installs it) is missing")
    text = render(states(("ssh",)))
    result = subprocess.run(
        [promtool, "check", "metrics"], input=text, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout + result.stderr == ""


def test_series_per_target_by_role() -> None:
    text = render(states())
    per_host: Counter[str] = Counter()
    role_of: dict[str, str] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            per_host[sample.labels["instance"]] += 1
            role_of[sample.labels["instance"]] = sample.labels["role"]
    by_role = {
        role: {per_host[h] for h, r in role_of.items() if r == role}
        for role in set(role_of.values())
    }
    assert by_role == {
        "access_switch": {11},
        "aggregation_switch": {11},
        "internet_router": {11},
        "ce_router": {12},  # plus the TSLCD WAN link state
        "video_endpoint": {12},
        "exporter_host": {8},  # ICMP only
    }
    assert max(per_host.values()) <= 12


def test_every_series_carries_the_topology() -> None:
    text = render(states(("ssh", "https")))
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            assert {"province", "district", "commune", "instance", "role", "platform"} <= set(
                sample.labels
            )
    assert 'communet_tcp_up{province="demo",district="nghi-son",commune="dinh-hai",' in text


def test_histogram_is_cumulative_and_values_exact() -> None:
    text = render(states()[:1])
    samples = {
        (s.name, s.labels.get("le", "")): s.value
        for f in text_string_to_metric_families(text)
        for s in f.samples
    }
    assert samples[("communet_icmp_rtt_seconds_bucket", "0.05")] == 1
    assert samples[("communet_icmp_rtt_seconds_bucket", "0.15")] == 2
    assert samples[("communet_icmp_rtt_seconds_bucket", "0.3")] == 3
    assert samples[("communet_icmp_rtt_seconds_bucket", "+Inf")] == 4
    assert samples[("communet_icmp_rtt_seconds_count", "")] == 4
    assert samples[("communet_icmp_rtt_seconds_sum", "")] == pytest.approx(0.694)
    assert samples[("communet_icmp_requests_total", "")] == 100


def test_failed_polls_hide_uptime_but_keep_up() -> None:
    state = states()[0]
    assert state.target.snmp is not None
    state.snmp = SnmpStatus(False, error="timeout")
    text = render([state])
    assert "communet_snmp_up{" in text
    assert text.count("communet_snmp_up{") == 1
    assert "} 0\n" in text.split("communet_snmp_up{", 1)[1].split("\n", 1)[0] + "\n"
    assert "communet_device_uptime_seconds{" not in text


def test_the_default_buckets_fast_path_renders_what_the_generic_template_does() -> None:
    """The histogram of the default buckets is one f-string (the hot path of a scrape);
    any other bucket set goes through :func:`histogram_template`: both write the same."""
    state = states()[0]
    fast = render([state])
    buckets = (0.05, 0.15, 0.3, 10.0)
    pinger = Pinger(buckets=buckets)
    other = pinger.add(state.target.address)
    pinger.restore(other, replied(state.echo.sent, (0.004, 0.090, 0.200, 0.400), buckets))
    generic = render([TargetState(state.target, other)])
    fast_rtt = [line for line in fast.splitlines() if line.startswith("communet_icmp_rtt")]
    generic_rtt = [
        line
        for line in generic.splitlines()
        if line.startswith("communet_icmp_rtt") and 'le="10"' not in line
    ]
    assert fast_rtt == generic_rtt
    assert len(fast_rtt) == 6  # 3 buckets, +Inf, _sum, _count
    assert f'le="+Inf"}} {state.echo.stats.received}' in fast


def test_the_compiled_render_is_built() -> None:
    """Optional for users (render_slice falls back to Python); on this project's machines
    (gcc and the Python headers) it must have built, or a scrape silently costs twice."""
    assert metrics.native_render is not None, (
        "communet_exporter._render did not build: see `make venv`'s output"
    )


@pytest.mark.skipif(metrics.native_render is None, reason="communet_exporter._render is not built")
def test_the_compiled_icmp_series_are_the_python_ones_byte_for_byte(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """_render.c writes the ICMP series of render_slice's Python loop (the reference) byte
    for byte, and counts the targets by state alike: the demo province with SNMP, codec
    and TCP series around them, RTT sums and jitters that need repr's shortest digits,
    counts past 32 bits, targets up, down and unknown, and another bucket set."""
    pinger = Pinger(buckets=(0.025, 0.1, 0.15, 0.3, 1.0))
    odd = [TargetState(s.target, pinger.add(s.target.address)) for s in states(("ssh",))]
    for index, state in enumerate(odd):
        pinger.restore(
            state.echo, replied(2**33 + index, (0.1 / 3, 0.7, 1e-05, 2.5), pinger.records.buckets)
        )
    for state, answered in zip(odd, (0, 1, 0b10000, 0b1000), strict=False):
        pinger.records.numbers[state.echo.slot * pinger.records.words + 3] = answered
    pinger.restore(
        odd[-1].echo, EchoStats(sent=1, bucket_counts=(0,) * 6, buckets=pinger.records.buckets)
    )
    for group in (states(("ssh", "https")), odd):
        native_counts = {"up": 0, "down": 0, "unknown": 0}
        native_parts = metrics.new_parts()
        metrics.render_slice(group, native_parts, native_counts)
        with monkeypatch.context() as patch:
            patch.setattr(metrics, "native_render", None)
            python_counts = {"up": 0, "down": 0, "unknown": 0}
            python_parts = metrics.new_parts()
            metrics.render_slice(group, python_parts, python_counts)
        assert metrics.join(native_parts) == metrics.join(python_parts)
        assert native_counts == python_counts
    assert python_counts == {"up": 2, "down": len(odd) - 3, "unknown": 1}


def test_a_removed_target_is_rendered_from_its_copy() -> None:
    """A state whose echo target was removed (its slot may serve another target) is not
    read from the records: the render falls back to its counters' copy."""
    group = states()[:3]
    pinger = group[0].echo.pinger
    before = render(group)
    pinger.remove(group[1].echo)
    newcomer = pinger.add("192.0.2.99")
    pinger.restore(newcomer, replied(7, (0.2,)))
    assert newcomer.slot == group[1].echo.slot
    assert render(group) == before
