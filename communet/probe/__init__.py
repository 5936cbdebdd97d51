"""Probes shared by the exporter and the field CLI (pure asyncio; no exporter or CLI code).

- :mod:`communet.probe.icmp`: ICMP echo for any number of targets on ONE socket;
- :mod:`communet.probe.burst`: media-rate bursts to one target (RTT percentiles, RFC 3550
  jitter, loss and burst loss);
- :mod:`communet.probe.tcp`: TCP connect probes;
- :mod:`communet.probe.snmp`: SNMP uptime, boots and WAN state through one shared engine;
- :mod:`communet.probe.codec`: codec registration and uptime over the xAPI.
"""
