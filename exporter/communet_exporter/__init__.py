"""communet's Prometheus exporter for the NOC: ``communet-exporter`` (see docs/exporter.md).

It imports the core (inventory, probes) and prometheus_client, never Ansible or the CLI.
"""
