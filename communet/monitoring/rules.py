"""Recording and alert rules over the exporter's series (exporter/communet_exporter/metrics.py).

Levels follow Prometheus' ``level:metric:operations`` convention: ``device:``, ``commune:``,
``hub:`` and ``province:``. Rules never produce NaN: every division is by a denominator
filtered with ``> 0`` and every gauge average with ``>= 0`` (NaN compares false), so a gap or a
NaN sample makes a series absent (unknown), never 0 %, never 100 %.

Reachability of a device is "at least one reply in the reach window while echoes were sent";
no echoes sent (exporter silent, scrape gap) is unknown. A commune is reachable when any of its
devices is; a hub when any of the hub site's own devices is. A commune that is unreachable while
its hub is down is *upstream* (cut off by its hub): it is neither up nor down, and it is left out
of its availability. Availability is recorded hourly from the per-evaluation state, with the
seconds up, known (up + down), upstream and unknown beside it, so that a month is the sum of
hours and a gap counts as unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from communet.monitoring.topology import ProvinceTopology

Rule = dict[str, Any]
Group = dict[str, Any]

LOSS_MAX = 0.01  # ITU-T G.114 / Cisco video QoS: loss ≤ 1 %
RTT_MAX = 0.300  # one-way ≤ 150 ms
JITTER_MAX = 0.030
COMMUNE = "province, uplink_hub, district, commune"
HUB = "province, uplink_hub, district"
SITE = "province, district, commune"
STATES = (
    ("up", 1),
    ("down", 0),
    ("upstream", 2),
    ("unknown", -1),
)  # commune:communet_state:code  # unique per site (commune "" for a hub site)


@dataclass(frozen=True)
class Timing:
    """Intervals and windows in seconds (production defaults; tests shorten them)."""

    scrape_interval: float = 10
    evaluation_interval: float = 10
    rate_window: float = 300  # loss, RTT, jitter
    reach_window: float = 30  # "at least one reply within" (≥ 2 scrapes + 1 echo interval)
    reboot_window: float = 900  # a reboot alert stays this long
    quality_for: float = 300  # loss/RTT/jitter must hold this long before an alert
    device_for: float = 60
    codec_for: float = 120
    exporter_for: float = 60
    silent_for: float = 300
    group_wait: float = 30  # > evaluation_interval: hub and communes fall in one evaluation
    group_interval: float = 300
    repeat_interval: float = 14400
    availability_period: float = 3600  # hourly records; a month is the sum of its hours


def duration(seconds: float) -> str:
    """Prometheus duration text: 90 -> "1m30s", 0.5 -> "500ms"."""
    ms = round(seconds * 1000)
    if ms == 0:
        return "0s"
    parts: list[str] = []
    for unit, size in (("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)):
        count, ms = divmod(ms, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def _uplink(expr: str) -> str:
    """Device series carry the hub they hang off as ``uplink_hub`` (their district)."""
    return f'label_replace({expr}, "uplink_hub", "$1", "district", "(.*)")'


def device_rules(t: Timing) -> list[Rule]:
    w, r = duration(t.rate_window), duration(t.reach_window)
    sent = f"rate(communet_icmp_requests_total[{w}])"
    got = f"rate(communet_icmp_rtt_seconds_count[{w}])"
    return [
        {"record": "device:communet_icmp_requests:rate", "expr": _uplink(sent)},
        {"record": "device:communet_icmp_replies:rate", "expr": _uplink(got)},
        {
            "record": "device:communet_icmp_loss:ratio",
            "expr": "clamp_min(1 - device:communet_icmp_replies:rate"
            " / (device:communet_icmp_requests:rate > 0), 0)",
        },
        {
            "record": "device:communet_icmp_rtt:mean_seconds",
            "expr": _uplink(f"rate(communet_icmp_rtt_seconds_sum[{w}]) / ({got} > 0) >= 0"),
        },
        {
            "record": "device:communet_icmp_jitter:avg_seconds",
            "expr": _uplink(f"avg_over_time(communet_icmp_jitter_seconds[{w}]) >= 0 and {got} > 0"),
        },
        {
            "record": "device:communet_up:bool",
            "expr": _uplink(
                f"increase(communet_icmp_rtt_seconds_count[{r}]) > bool 0"
                f" and increase(communet_icmp_requests_total[{r}]) > 0"
            ),
        },
    ]


def _quantile(q: float, by: str) -> str:
    """From the commune-level bucket rates (recorded once): the raw buckets are the biggest
    part of a province's series, so they are read once per evaluation, not six times."""
    buckets = f"sum by ({by}, le) (commune:communet_icmp_rtt_seconds_bucket:rate)"
    replies = f'sum by ({by}) (device:communet_icmp_replies:rate{{commune!=""}})'
    return f"histogram_quantile({q}, {buckets}) >= 0 and {replies} > 0"


def bucket_rules(t: Timing) -> list[Rule]:
    w = duration(t.rate_window)
    rate = _uplink(f'rate(communet_icmp_rtt_seconds_bucket{{commune!=""}}[{w}])')
    return [
        {
            "record": "commune:communet_icmp_rtt_seconds_bucket:rate",
            "expr": f"sum by ({COMMUNE}, le) ({rate})",
        }
    ]


def _level_quality(level: str, by: str, selector: str, t: Timing) -> list[Rule]:
    # loss of the link as the devices that answer see it: a device that is down is its own
    # alert (DeviceDown), not 25 % loss of its commune
    answering = f"and device:communet_up:bool{selector} == 1"
    sent = f"sum by ({by}) (device:communet_icmp_requests:rate{selector} {answering})"
    got = f"sum by ({by}) (device:communet_icmp_replies:rate{selector} {answering})"
    w = duration(t.rate_window)
    rtt_sum = _uplink(f"rate(communet_icmp_rtt_seconds_sum{selector}[{w}])")
    return [
        {
            "record": f"{level}:communet_icmp_loss:ratio",
            "expr": f"clamp_min(1 - {got} / ({sent} > 0), 0)",
        },
        {
            "record": f"{level}:communet_icmp_rtt:mean_seconds",
            "expr": f"sum by ({by}) ({rtt_sum}) / ({got} > 0) >= 0",
        },
        {
            "record": f"{level}:communet_icmp_rtt:max_mean_seconds",
            "expr": f"max by ({by}) (device:communet_icmp_rtt:mean_seconds{selector})",
        },
        {
            "record": f"{level}:communet_icmp_rtt:p50_seconds",
            "expr": _quantile(0.5, by),
        },
        {
            "record": f"{level}:communet_icmp_rtt:p95_seconds",
            "expr": _quantile(0.95, by),
        },
        {
            "record": f"{level}:communet_icmp_jitter:max_seconds",
            "expr": f"max by ({by}) (device:communet_icmp_jitter:avg_seconds{selector})",
        },
    ]


def _site_base(kind: str, by: str) -> str:
    return f'max by ({by}) (communet:site:info{{kind="{kind}"}}) * 0'


def state_rules() -> list[Rule]:
    """Per-evaluation state of every commune and hub (1 up, 0 down, 2 upstream, -1 unknown)."""
    hub_down = "on (province, uplink_hub) (hub:communet_up:bool == 0)"
    return [
        {
            "record": "commune:communet_up:bool",
            "expr": f'max by ({COMMUNE}) (device:communet_up:bool{{commune!=""}})',
        },
        {
            "record": "hub:communet_up:bool",
            "expr": f'max by ({HUB}) (device:communet_up:bool{{commune=""}})',
        },
        {
            # up, or down while its hub is not down; absent when upstream or unknown
            "record": "commune:communet_reachable:bool",
            "expr": "commune:communet_up:bool == 1"
            f" or (commune:communet_up:bool unless {hub_down})",
        },
        {
            "record": "commune:communet_upstream:bool",
            "expr": f"(commune:communet_up:bool == 0) + 1 and {hub_down}",
        },
        {
            "record": "commune:communet_state:code",
            "expr": "commune:communet_reachable:bool"
            " or commune:communet_upstream:bool * 2"
            f" or on ({SITE}) ({_site_base('commune', COMMUNE)} - 1)",
        },
        {
            "record": "hub:communet_state:code",
            "expr": "hub:communet_up:bool"
            f" or on (province, district) ({_site_base('hub', HUB)} - 1)",
        },
    ]


def quality_rules(t: Timing) -> list[Rule]:
    return [
        *_level_quality("commune", COMMUNE, '{commune!=""}', t),
        *_level_quality("hub", HUB, "", t),  # everything behind the hub, the hub included
        *_level_quality("province", "province", "", t),
        {
            "record": "province:communet_communes:count",
            "expr": " or ".join(
                f"label_replace(count by (province) (commune:communet_state:code == {code}),"
                f' "state", "{state}", "", "")'
                for state, code in STATES
            ),
        },
    ]


def availability_rules(t: Timing) -> list[Rule]:
    """Hourly: seconds up / known / upstream / unknown, availability and coverage ratios."""
    # (t - period - E, t - E]: consecutive hourly records tile time exactly (a closed [1h]
    # range would count the boundary evaluation twice), and the state evaluated in the same
    # round as this group (in an order Prometheus does not fix) is left to the next hour.
    e, period = t.evaluation_interval, t.availability_period
    p = f"{duration(period - 0.001)}] offset {duration(e)}"
    rules: list[Rule] = []
    for level, by, series in (
        ("commune", COMMUNE, "commune:communet_reachable:bool"),
        ("hub", HUB, "hub:communet_up:bool"),
    ):
        base = _site_base(level, by)
        up, known = f"{level}:communet_up_seconds:1h", f"{level}:communet_known_seconds:1h"
        rules += [
            {"record": up, "expr": f"sum_over_time({series}[{p}) * {e:g}"},
            {"record": known, "expr": f"count_over_time({series}[{p}) * {e:g}"},
        ]
        accounted = f"({known} or {base})"
        if level == "commune":
            upstream = "commune:communet_upstream_seconds:1h"
            rules.append(
                {
                    "record": upstream,
                    "expr": f"count_over_time(commune:communet_upstream:bool[{p}) * {e:g}",
                }
            )
            accounted = f"({known} or {base}) + ({upstream} or {base})"
        rules += [
            {
                "record": f"{level}:communet_unknown_seconds:1h",
                "expr": f"clamp_min({period:g} - ({accounted}), 0)",
            },
            {"record": f"{level}:communet_availability:ratio_1h", "expr": f"{up} / ({known} > 0)"},
            {
                "record": f"{level}:communet_coverage:ratio_1h",
                "expr": f"clamp_max(({accounted}) / {period:g}, 1)",
            },
        ]
    return rules


def site_rules(topology: ProvinceTopology) -> list[Rule]:
    """One constant ``communet:site:info`` series per site: names, uplink hub, coordinates."""
    return [
        {"record": "communet:site:info", "expr": "vector(1)", "labels": site.labels()}
        for site in topology.sites
    ]


def rule_groups(topology: ProvinceTopology, t: Timing, alerts: list[Rule]) -> list[Group]:
    """One group per evaluation interval. The site table, the state and the alerts share a
    group because Prometheus evaluates the rules of one group in order (and groups in no fixed
    order): an alert sees the state of its own evaluation, never the one before."""
    return [
        {
            "name": "communet",
            "interval": duration(t.evaluation_interval),
            "rules": [
                *site_rules(topology),
                *device_rules(t),
                *bucket_rules(t),
                *state_rules(),
                *quality_rules(t),
                *alerts,
            ],
        },
        {
            "name": "communet-availability",
            "interval": duration(t.availability_period),
            "rules": availability_rules(t),
        },
    ]
