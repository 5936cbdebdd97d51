"""How hard to measure: burst rate and length, timeouts, concurrency (no heavy imports)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from communet.readiness.verdict import Thresholds


@dataclass(frozen=True)
class Settings:
    rate: float = 50.0  # echoes per second in the media burst
    seconds: float = 10.0
    window: float = 0.2  # burst-loss window (s), at least 10 echoes long
    reach_echoes: int = 5
    echo_timeout: float = 1.0
    tcp_timeout: float = 3.0
    codec_timeout: float = 10.0
    drift: bool = True
    workers: int = 20
    processes: int = 1
    echo_budget: float = 4000.0  # echoes per second over all bursts and reach probes
    connects: int = 64  # TCP connects at once
    sessions: int = 16  # codec xAPI sessions at once
    lab: bool = False  # devices are reached through a lab's overlay
    # In a lab: inventory address of a province service (registrar, gatekeeper, NTP) -> the
    # lab address answering for it; empty when the lab does not run in network mode, which
    # serves no service ports (then those checks SKIP).
    lab_services: Mapping[str, str] = field(default_factory=dict)
    ntp_timeout: float = 2.0
    thresholds: Thresholds = field(default_factory=Thresholds)

    @property
    def bursts_at_once(self) -> int:
        """Media bursts at once: 80 % of the echo budget (the rest for reach probes)."""
        return max(1, int(self.echo_budget * 0.8 // self.rate))

    @property
    def reaches_at_once(self) -> int:
        """Reach probes sending at once (10 echoes a second each)."""
        return max(1, int(self.echo_budget * 0.2 // 10))

    def service_address(self, address: str) -> str | None:
        """Where to probe a province service (None: the lab does not simulate it)."""
        return self.lab_services.get(address) if self.lab else address

    @property
    def service_ports(self) -> bool:
        """Whether the codecs' SIP/H.323/HTTPS ports can be probed (a lab: network mode)."""
        return not self.lab or bool(self.lab_services)
