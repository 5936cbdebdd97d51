"""The NOC's Grafana dashboards as code (grafana-foundation-sdk, Grafana 11.6 types).

``python -m communet_dashboards [DIR]`` writes the dashboards' JSON and Grafana's
file-provisioning files to ``exporter/dashboards/`` (or DIR). Every panel query is a
:class:`PanelQuery` that also names the labels its legend uses, so that a test can evaluate each
query on a real Prometheus and check the series carry them (Grafana cannot run here).
"""
