"""The dashboards as code: in sync with exporter/dashboards/, round-trip through the SDK's own
model, and pass a lint in the spirit of Grafana's dashboard-linter. Their queries are evaluated
on a real Prometheus in test_e2e.py."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from communet_dashboards.build import all_queries, build, to_json
from communet_dashboards.provisioning import PROVISIONING
from grafana_foundation_sdk.models.dashboard import Dashboard

DASHBOARDS = Path(__file__).resolve().parents[2] / "exporter" / "dashboards"
RANGE_FUNCTIONS = re.compile(
    r"\b(rate|irate|increase|delta|deriv)\((?P<arg>[^\[]*)\[(?P<w>[^\]]+)\]"
)
SELECTOR = re.compile(r"(?P<name>[a-z_:]+)\{(?P<matchers>[^}]*)\}")


def boards() -> dict[str, dict[str, Any]]:
    return {
        path.stem: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(DASHBOARDS.glob("*.json"))
    }


def test_committed_dashboards_are_what_the_code_builds() -> None:
    built = build()
    assert sorted(built) == sorted(boards())
    for uid, board in built.items():
        committed = (DASHBOARDS / f"{uid}.json").read_text(encoding="utf-8")
        assert committed == to_json(board), f"run: python -m communet_dashboards ({uid})"
    for relative, text in PROVISIONING.items():
        assert (DASHBOARDS / relative).read_text(encoding="utf-8") == text


@pytest.mark.parametrize("uid", sorted(boards()))
def test_round_trip_through_the_sdk_model(uid: str) -> None:
    text = (DASHBOARDS / f"{uid}.json").read_text(encoding="utf-8")
    model = Dashboard.from_json(json.loads(text))
    assert model.uid == uid
    assert to_json(model) == text


def panels_of(board: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in board["panels"] if p["type"] != "row"]


@pytest.mark.parametrize("uid", sorted(boards()))
def test_lint(uid: str) -> None:
    board = boards()[uid]
    variables = {v["name"]: v for v in board["templating"]["list"]}
    # template-datasource-rule: a datasource variable of type prometheus, used everywhere
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    for name in ("province", "hub", "commune"):
        assert variables[name]["datasource"]["uid"] == "${datasource}"
    assert panels_of(board)
    for panel in panels_of(board):
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, panel["title"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == "${datasource}"
            expr = target["expr"]
            # target-rate-interval-rule: raw counters over $__rate_interval, never a fixed window
            for match in RANGE_FUNCTIONS.finditer(expr):
                assert match["w"] == "$__rate_interval", (panel["title"], expr)
            # target-job-rule in our terms: every series is scoped to the chosen province
            for match in SELECTOR.finditer(expr):
                if match["name"] == "communet:site:info":
                    continue  # joined for names; scoped by the left-hand side
                assert 'province="$province"' in match["matchers"], (panel["title"], expr)
            # the legend names labels the query keeps (checked on Prometheus in test_e2e)
            assert target["legendFormat"], panel["title"]
        if panel["type"] in ("timeseries", "table"):
            assert panel["fieldConfig"]["defaults"].get("unit"), panel["title"]


def test_dashboards_cover_what_the_noc_asked_for() -> None:
    titles = {q.dashboard: [] for q in all_queries()}  # type: dict[str, list[str]]
    for q in all_queries():
        titles[q.dashboard].append(q.panel)
    province = boards()["communet-province"]
    assert [p["type"] for p in panels_of(province)][:2] == ["geomap", "stat"]
    assert any("Worst communes" in t for t in titles["communet-province"])
    assert any("Codec registration" in t for t in titles["communet-commune"])
    assert any("TSLCD WAN" in t for t in titles["communet-commune"])
    assert any("Availability per commune" in t for t in titles["communet-availability"])
    assert any("Availability per hub" in t for t in titles["communet-availability"])


def test_provisioning_files_are_grafana_shaped() -> None:
    dashboards = yaml.safe_load(PROVISIONING["provisioning/dashboards/communet.yml"])
    assert dashboards["providers"][0]["type"] == "file"
    sources = yaml.safe_load(PROVISIONING["provisioning/datasources/communet.yml"])
    assert sources["datasources"][0]["type"] == "prometheus"
