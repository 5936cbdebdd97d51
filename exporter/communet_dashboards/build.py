"""Four dashboards: province overview, hub drill-down, commune detail, monthly availability."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from grafana_foundation_sdk.builders import dashboard as db
from grafana_foundation_sdk.builders import geomap, stat, table, timeseries
from grafana_foundation_sdk.builders.common import MapLayerOptions
from grafana_foundation_sdk.builders.prometheus import Dataquery
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import common
from grafana_foundation_sdk.models import dashboard as model
from grafana_foundation_sdk.models.prometheus import PromQueryFormat

DATASOURCE = model.DataSourceRef(type_val="prometheus", uid="${datasource}")
SITE_NAMES = "on (province, district, commune) group_left (name, name_ascii) communet:site:info"
IN_PROVINCE = 'province="$province"'
IN_HUB = 'province="$province", uplink_hub="$hub"'
IN_COMMUNE = 'province="$province", commune="$commune"'
STATE_COLOURS = [  # commune:communet_state:code
    model.Threshold(value=None, color="grey"),  # -1 unknown
    model.Threshold(value=0, color="red"),  # down
    model.Threshold(value=1, color="green"),  # up
    model.Threshold(value=2, color="orange"),  # cut off by its hub
]


@dataclass(frozen=True)
class PanelQuery:
    dashboard: str
    panel: str
    expr: str
    legend: str  # Grafana legend format, e.g. "{{name}} ({{instance}})"
    instant: bool = False

    @property
    def legend_labels(self) -> tuple[str, ...]:
        return tuple(re.findall(r"\{\{\s*(\w+)\s*\}\}", self.legend))


def _query(q: PanelQuery, ref: str = "A") -> Dataquery:
    query = Dataquery().expr(q.expr).legend_format(q.legend).ref_id(ref).datasource(DATASOURCE)
    if q.instant:
        query = query.instant().format(PromQueryFormat.TABLE)
    return query


def _variables() -> list[Any]:
    def label_values(name: str, series: str, label: str) -> db.QueryVariable:
        return (
            db.QueryVariable(name)
            .label(name)
            .datasource(DATASOURCE)
            .query(f"label_values({series}, {label})")
            .refresh(model.VariableRefresh.ON_TIME_RANGE_CHANGED)
            .sort(model.VariableSort.ALPHABETICAL_ASC)
        )

    return [
        db.DatasourceVariable("datasource").label("Prometheus").type("prometheus"),
        label_values("province", "communet:site:info", "province"),
        label_values("hub", f"communet:site:info{{{IN_PROVINCE}}}", "uplink_hub"),
        label_values("commune", f'communet:site:info{{{IN_HUB}, kind="commune"}}', "commune"),
    ]


def _dashboard(uid: str, title: str, description: str) -> db.Dashboard:
    board = (
        db.Dashboard(title)
        .uid(uid)
        .description(description)
        .tags(["communet", "noc"])
        .timezone("Asia/Ho_Chi_Minh")
        .time("now-6h", "now")
        .refresh("1m")
        .editable()
    )
    for variable in _variables():
        board = board.with_variable(variable)
    return board


def _timeseries(q: PanelQuery, unit: str) -> timeseries.Panel:
    return (
        timeseries.Panel()
        .title(q.panel)
        .datasource(DATASOURCE)
        .with_target(_query(q))
        .unit(unit)
        .height(8)
        .span(12)
    )


def _table(q: PanelQuery, unit: str) -> table.Panel:
    return (
        table.Panel()
        .title(q.panel)
        .datasource(DATASOURCE)
        .with_target(_query(q))
        .unit(unit)
        .height(10)
        .span(12)
    )


def _stat(q: PanelQuery) -> stat.Panel:
    return (
        stat.Panel().title(q.panel).datasource(DATASOURCE).with_target(_query(q)).height(4).span(24)
    )


def _geomap(q: PanelQuery) -> geomap.Panel:
    location = common.FrameGeometrySource(
        mode=common.FrameGeometrySourceMode.COORDS, latitude="lat", longitude="lon"
    )
    layer = (
        MapLayerOptions()
        .type("markers")
        .name("communes")
        .config({"color": {"field": "Value"}, "showLegend": True})
    )
    layer._internal.location = location  # the builder takes a builder; the model is plain
    return (
        geomap.Panel()
        .title(q.panel)
        .datasource(DATASOURCE)
        .with_target(_query(q))
        .basemap(MapLayerOptions().type("default").name("OpenStreetMap"))
        .view(geomap.MapViewConfig().id("coords").lat(16).lon(106).zoom(6))  # Việt Nam
        .layers([layer])
        .thresholds(db.ThresholdsConfig().mode(model.ThresholdsMode.ABSOLUTE).steps(STATE_COLOURS))
        .height(14)
        .span(24)
    )


def province_queries() -> list[PanelQuery]:
    d = "communet-province"
    state = f"commune:communet_state:code{{{IN_PROVINCE}}}"
    return [
        PanelQuery(
            d,
            "Communes by state (1 up, 0 down, 2 cut off by hub, -1 unknown)",
            f"{state} * on (province, district, commune) group_left (name, name_ascii, lat, lon)"
            " communet:site:info",
            "{{name}}",
            instant=True,
        ),
        PanelQuery(
            d,
            "Communes per state",
            f"province:communet_communes:count{{{IN_PROVINCE}}}",
            "{{state}}",
            instant=True,
        ),
        PanelQuery(
            d,
            "Worst communes by loss",
            f"topk(20, commune:communet_icmp_loss:ratio{{{IN_PROVINCE}}}) * {SITE_NAMES}",
            "{{name}} ({{uplink_hub}})",
            instant=True,
        ),
        PanelQuery(
            d,
            "Province loss",
            f"province:communet_icmp_loss:ratio{{{IN_PROVINCE}}}",
            "{{province}}",
        ),
        PanelQuery(
            d,
            "Province RTT p95",
            f"province:communet_icmp_rtt:p95_seconds{{{IN_PROVINCE}}}",
            "{{province}}",
        ),
        PanelQuery(
            d,
            "Echoes sent per second",
            "sum by (province) (rate(communet_icmp_requests_total"
            f"{{{IN_PROVINCE}}}[$__rate_interval]))",
            "{{province}}",
        ),
    ]


def hub_queries() -> list[PanelQuery]:
    d = "communet-hub"
    return [
        PanelQuery(d, "Hub loss", f"hub:communet_icmp_loss:ratio{{{IN_HUB}}}", "{{district}}"),
        PanelQuery(
            d,
            "Communes of the hub",
            f"commune:communet_state:code{{{IN_HUB}}} * {SITE_NAMES}",
            "{{name}} ({{name_ascii}})",
            instant=True,
        ),
        PanelQuery(
            d, "Loss per commune", f"commune:communet_icmp_loss:ratio{{{IN_HUB}}}", "{{commune}}"
        ),
        PanelQuery(
            d,
            "RTT p95 per commune",
            f"commune:communet_icmp_rtt:p95_seconds{{{IN_HUB}}}",
            "{{commune}}",
        ),
        PanelQuery(
            d,
            "Jitter per commune",
            f"commune:communet_icmp_jitter:max_seconds{{{IN_HUB}}}",
            "{{commune}}",
        ),
    ]


def commune_queries() -> list[PanelQuery]:
    d = "communet-commune"
    return [
        PanelQuery(
            d,
            "RTT (mean)",
            f"device:communet_icmp_rtt:mean_seconds{{{IN_COMMUNE}}}",
            "{{instance}}",
        ),
        PanelQuery(d, "Loss", f"device:communet_icmp_loss:ratio{{{IN_COMMUNE}}}", "{{instance}}"),
        PanelQuery(
            d, "Jitter", f"device:communet_icmp_jitter:avg_seconds{{{IN_COMMUNE}}}", "{{instance}}"
        ),
        PanelQuery(
            d,
            "Replies per second",
            f"rate(communet_icmp_rtt_seconds_count{{{IN_COMMUNE}}}[$__rate_interval])",
            "{{instance}}",
        ),
        PanelQuery(d, "Uptime", f"communet_device_uptime_seconds{{{IN_COMMUNE}}}", "{{instance}}"),
        PanelQuery(
            d,
            "Reboots in the range",
            f"resets(communet_device_uptime_seconds{{{IN_COMMUNE}}}[$__range])",
            "{{instance}}",
            instant=True,
        ),
        PanelQuery(
            d,
            "Codec registration",
            f"communet_codec_registered{{{IN_COMMUNE}}}",
            "{{instance}} {{protocol}}",
        ),
        PanelQuery(d, "TSLCD WAN link", f"communet_wan_link_up{{{IN_COMMUNE}}}", "{{instance}}"),
    ]


def availability_queries() -> list[PanelQuery]:
    d = "communet-availability"
    out: list[PanelQuery] = []
    for level, by, legend in (
        ("commune", "province, uplink_hub, district, commune", "{{name}} ({{uplink_hub}})"),
        ("hub", "province, uplink_hub, district", "{{name}}"),
    ):
        sel = f"{{{IN_PROVINCE}}}"
        up = f"sum by ({by}) (sum_over_time({level}:communet_up_seconds:1h{sel}[$__range]))"
        known = f"sum by ({by}) (sum_over_time({level}:communet_known_seconds:1h{sel}[$__range]))"
        names = f'{SITE_NAMES}{{kind="{level}"}}'
        out += [
            PanelQuery(
                d,
                f"Availability per {level} (unknown and cut-off time excluded)",
                f"({up} / ({known} > 0)) * {names}",
                legend,
                instant=True,
            ),
            PanelQuery(
                d,
                f"Coverage per {level} (share of the range with a known state)",
                f"clamp_max({known} / $__range_s, 1) * {names}",
                legend,
                instant=True,
            ),
        ]
    out.append(
        PanelQuery(
            d,
            "Hours cut off by the hub (not counted against the commune)",
            "sum by (province, uplink_hub, district, commune) (sum_over_time("
            f"commune:communet_upstream_seconds:1h{{{IN_PROVINCE}}}[$__range])) / 3600"
            f" * {SITE_NAMES}",
            "{{name}} ({{uplink_hub}})",
            instant=True,
        )
    )
    return out


UNITS = {"loss": "percentunit", "RTT": "s", "Jitter": "s", "Uptime": "s", "per second": "reqps"}


def _unit(title: str) -> str:
    return next((unit for key, unit in UNITS.items() if key in title), "short")


def _panel(q: PanelQuery) -> Any:
    if q.panel.startswith("Communes by state"):
        return _geomap(q)
    if q.panel == "Communes per state":
        return _stat(q)
    if q.instant:
        unit = "percentunit" if "Availability" in q.panel or "Coverage" in q.panel else "short"
        return _table(q, _unit(q.panel) if unit == "short" else unit)
    return _timeseries(q, _unit(q.panel))


DASHBOARDS = {
    "communet-province": (
        "Communet — province overview",
        "Which communes are down, lossy or slow.",
    ),
    "communet-hub": ("Communet — hub drill-down", "The communes behind one hub (former district)."),
    "communet-commune": ("Communet — commune detail", "RTT, loss, jitter, uptime, codec, WAN."),
    "communet-availability": (
        "Communet — availability report",
        "Availability per hub and commune over the range (pick a month); unknown time and time "
        "cut off by the hub are not counted as down.",
    ),
}


def all_queries() -> list[PanelQuery]:
    return [*province_queries(), *hub_queries(), *commune_queries(), *availability_queries()]


def build() -> dict[str, model.Dashboard]:
    boards = {uid: _dashboard(uid, title, text) for uid, (title, text) in DASHBOARDS.items()}
    for q in all_queries():
        boards[q.dashboard] = boards[q.dashboard].with_panel(_panel(q))
    return {uid: board.build() for uid, board in boards.items()}


def to_json(board: model.Dashboard) -> str:
    return json.dumps(board, cls=JSONEncoder, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
