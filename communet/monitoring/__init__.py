"""What the NOC's Prometheus and Alertmanager need, generated from the shared inventory.

Pure: :func:`communet.monitoring.generate.generate` takes a loaded inventory and returns the
files (path -> text); the CLI writes them. Nothing here talks to Prometheus or to devices.
"""
