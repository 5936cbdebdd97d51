"""Grafana file provisioning: the dashboards folder and a Prometheus datasource (uid prometheus)."""

from __future__ import annotations

PROVISIONING = {
    "provisioning/dashboards/communet.yml": """\
# Grafana: copy to /etc/grafana/provisioning/dashboards/; the JSON files to the path below.
apiVersion: 1
providers:
  - name: communet
    folder: Communet NOC
    type: file
    disableDeletion: true
    allowUiUpdates: false
    updateIntervalSeconds: 60
    options:
      path: /var/lib/grafana/dashboards/communet
      foldersFromFilesStructure: false
""",
    "provisioning/datasources/communet.yml": """\
# Grafana: copy to /etc/grafana/provisioning/datasources/; one per province Prometheus
# (dashboards pick it with their $datasource variable), plus the national one.
apiVersion: 1
datasources:
  - name: Prometheus (province)
    uid: prometheus
    type: prometheus
    access: proxy
    url: http://127.0.0.1:9090
    isDefault: true
    jsonData:
      timeInterval: 10s  # the scrape interval: $__rate_interval is derived from it
""",
}
