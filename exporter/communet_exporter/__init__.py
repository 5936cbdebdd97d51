"""communet Prometheus exporter (NOC). The probes and /metrics arrive with the monitoring issue;
this package exists now so the import name is reserved and never a generic ``exporter``."""
