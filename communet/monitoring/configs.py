"""Prometheus, Alertmanager and national federation configuration (as plain data)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from communet.monitoring.alerts import BEHIND_COMMUNE, BEHIND_HUB
from communet.monitoring.rules import STATES, Timing, duration
from communet.monitoring.topology import ProvinceTopology

Config = dict[str, Any]
RULE_FILES = ("rules/communet.yml",)


@dataclass(frozen=True)
class Endpoints:
    """Where the generated configuration points (production placeholders; tests use loopback)."""

    alertmanager: str = "127.0.0.1:9093"
    webhook_url: str = "http://127.0.0.1:9095/communet"
    targets_dir: str = "targets"  # relative to prometheus.yml, or absolute


def file_sd(topology: ProvinceTopology) -> list[dict[str, Any]]:
    """One file_sd group per hub exporter: its address and the hub it depends on."""
    return [
        {"targets": [exporter.address], "labels": exporter.labels()}
        for exporter in topology.exporters
    ]


def prometheus_config(topology: ProvinceTopology, t: Timing, where: Endpoints) -> Config:
    return {
        "global": {
            "scrape_interval": duration(t.scrape_interval),
            "evaluation_interval": duration(t.evaluation_interval),
            "external_labels": {"noc": f"{topology.province}"},
        },
        "rule_files": list(RULE_FILES),
        "alerting": {"alertmanagers": [{"static_configs": [{"targets": [where.alertmanager]}]}]},
        "scrape_configs": [
            {
                "job_name": "communet",
                # the exporter's series name their device (instance=hostname) and topology
                "honor_labels": True,
                "scrape_timeout": duration(min(t.scrape_interval, 10)),
                "file_sd_configs": [
                    {"files": [f"{where.targets_dir}/*.json"], "refresh_interval": "1m"}
                ],
            }
        ],
    }


def alertmanager_config(where: Endpoints, t: Timing) -> Config:
    behind_hub = "|".join(BEHIND_HUB)
    behind_commune = "|".join(BEHIND_COMMUNE)
    return {
        "route": {
            "receiver": "noc",
            "group_by": ["province", "uplink_hub", "alertname"],
            "group_wait": duration(t.group_wait),
            "group_interval": duration(t.group_interval),
            "repeat_interval": duration(t.repeat_interval),
        },
        "receivers": [
            {"name": "noc", "webhook_configs": [{"url": where.webhook_url, "send_resolved": True}]}
        ],
        "inhibit_rules": [
            {
                # a hub (or its exporter) down: one page for the hub, none for what is behind it
                "source_matchers": ['alertname=~"HubDown|ExporterDown"'],
                "target_matchers": [f'alertname=~"{behind_hub}"'],
                "equal": ["province", "uplink_hub"],
            },
            {
                "source_matchers": ['alertname="CommuneDown"'],
                "target_matchers": [f'alertname=~"{behind_commune}"'],
                "equal": ["province", "district", "commune"],
            },
        ],
    }


def national_config(provinces: list[tuple[str, str]], t: Timing) -> Config:
    """A national Prometheus federating the province Prometheus servers' recorded series.

    ``provinces``: (slug, host:port of its Prometheus). Only the commune/hub/province
    recording rules and the site table travel (a few series per site, not the raw echoes).
    """
    match = [
        '{__name__=~"(commune|hub|province):communet_.*"}',
        '{__name__="communet:site:info"}',
    ]
    return {
        "global": {
            "scrape_interval": duration(t.scrape_interval),
            "evaluation_interval": duration(t.evaluation_interval),
            "external_labels": {"noc": "national"},
        },
        "rule_files": ["rules/communet-national.yml"],
        "scrape_configs": [
            {
                "job_name": f"federate-{slug}",
                "honor_labels": True,
                "metrics_path": "/federate",
                "params": {"match[]": match},
                "static_configs": [{"targets": [address], "labels": {"federated_from": slug}}],
            }
            for slug, address in provinces
        ],
    }


def national_rules(t: Timing) -> list[dict[str, Any]]:
    """National figures from the provinces' hourly records (a month is the sum of its hours)."""
    # each province's hourly record once: (t - 1h, t]
    e, p = duration(t.evaluation_interval), duration(t.availability_period - 0.001)
    return [
        {
            "name": "communet-national",
            "interval": e,
            "rules": [
                {
                    "record": "national:communet_communes:count",
                    # from the per-commune state, which never disappears: a series that does
                    # (a province's count of a state nobody is in) was still served by
                    # /federate minutes later in our test on Prometheus 2.42
                    "expr": " or ".join(
                        f"label_replace(count(commune:communet_state:code == {code}),"
                        f' "state", "{state}", "", "")'
                        for state, code in STATES
                    ),
                },
                {
                    "record": "national:communet_availability:ratio_1h",
                    "expr": f"sum(sum_over_time(commune:communet_up_seconds:1h[{p}]))"
                    f" / (sum(sum_over_time(commune:communet_known_seconds:1h[{p}])) > 0)",
                },
                {
                    "record": "province:communet_availability:ratio_1h",
                    "expr": "sum by (province)"
                    f" (sum_over_time(commune:communet_up_seconds:1h[{p}]))"
                    " / (sum by (province)"
                    f" (sum_over_time(commune:communet_known_seconds:1h[{p}])) > 0)",
                },
            ],
        }
    ]
