"""PASS / WARN / FAIL for each measurement, against the video thresholds (pure functions).

Thresholds (DESIGN.md §3; Cisco QoS design, ITU-T G.114, Microsoft Teams network
requirements): one-way delay <= 150 ms, i.e. RTT <= 300 ms; jitter <= 30 ms; loss <= 1 %;
burst loss < 10 % per 200 ms; the circuit carries the codec's call rate + 20 %. A WARN comes
well before each limit, so the technician has the evening to act, not the morning.

A finding names the check, what it measured (``subject``: a hostname or address), the state,
the measured value as people read it, and a message ``code`` whose wording (reason and next
step, in English and Vietnamese) lives with the CLI.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the CLI imports this module for --help: keep asyncssh out of it
    from communet.probe.burst import BurstResult
    from communet.probe.codec import CodecStatus
    from communet.probe.ntp import NtpResult
    from communet.probe.tcp import TcpResult

REFUSED = "Connection refused"  # os.strerror(ECONNREFUSED): nothing listens on the port


class State(IntEnum):
    """Ordered: the worst state of a set is its max; SKIP never makes a commune worse."""

    SKIP = -1
    PASS = 0
    WARN = 1
    FAIL = 2


@dataclass(frozen=True)
class Thresholds:
    rtt_warn: float = 0.150  # seconds, p90 of the burst
    rtt_fail: float = 0.300
    jitter_warn: float = 0.020
    jitter_fail: float = 0.030
    loss_warn: float = 0.005
    loss_fail: float = 0.010
    burst_loss_warn: float = 0.05
    burst_loss_fail: float = 0.10
    rate_headroom: float = 1.2  # the circuit must carry the call rate + 20 %
    ntp_offset_warn: float = 0.5  # seconds between this computer's clock and the server's


@dataclass(frozen=True)
class Finding:
    check: str  # reach, rtt, jitter, loss, burst_loss, tcp, drift, sip, h323, call_rate, ...
    subject: str  # hostname or address measured
    state: State
    value: str  # the measured value as people read it ("203 ms", "5.2 %"), or ""
    code: str  # message key: reason and next step
    params: Mapping[str, str] = field(default_factory=dict)
    measured: float | None = None  # the number behind ``value`` (seconds, fraction, lines)


def worst(findings: Iterable[Finding]) -> State:
    return max((f.state for f in findings), default=State.SKIP)


def exit_code(state: State) -> int:
    """0 for PASS (or nothing to judge), 1 for WARN, 2 for FAIL."""
    return max(0, int(state))


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def _pct(fraction: float) -> str:
    return f"{fraction * 100:.1f} %"


def _grade(value: float, warn: float, fail: float) -> State:
    if value > fail:
        return State.FAIL
    if value > warn:
        return State.WARN
    return State.PASS


def judge_burst(subject: str, result: BurstResult, limits: Thresholds) -> list[Finding]:
    """The media path: RTT (p90), jitter (mean |D| of RFC 3550), loss and burst loss."""
    sent = str(result.sent)
    if result.received == 0:
        return [
            Finding("loss", subject, State.FAIL, _pct(1.0), "media.silent", {"sent": sent}, 1.0)
        ]
    assert result.rtt_p90 is not None
    assert result.rtt_p50 is not None
    rtt, jitter, loss = result.rtt_p90, result.mean_ipdv, result.loss
    rtt_state = _grade(rtt, limits.rtt_warn, limits.rtt_fail)
    jitter_state = _grade(jitter, limits.jitter_warn, limits.jitter_fail)
    loss_state = _grade(loss, limits.loss_warn, limits.loss_fail)
    burst_state = _grade(result.burst_loss, limits.burst_loss_warn, limits.burst_loss_fail)
    return [
        Finding(
            "rtt",
            subject,
            rtt_state,
            _ms(rtt),
            f"rtt.{rtt_state.name.lower()}",
            {
                "p50": _ms(result.rtt_p50),
                "warn": _ms(limits.rtt_warn),
                "limit": _ms(limits.rtt_fail),
            },
            rtt,
        ),
        Finding(
            "jitter",
            subject,
            jitter_state,
            _ms(jitter),
            f"jitter.{jitter_state.name.lower()}",
            {"warn": _ms(limits.jitter_warn), "limit": _ms(limits.jitter_fail)},
            jitter,
        ),
        Finding(
            "loss",
            subject,
            loss_state,
            _pct(loss),
            f"loss.{loss_state.name.lower()}",
            {
                "lost": str(result.sent - result.received),
                "sent": sent,
                "warn": _pct(limits.loss_warn),
                "limit": _pct(limits.loss_fail),
            },
            loss,
        ),
        Finding(
            "burst_loss",
            subject,
            burst_state,
            _pct(result.burst_loss),
            f"burst_loss.{burst_state.name.lower()}",
            {"gap": str(result.longest_gap), "limit": _pct(limits.burst_loss_fail)},
            result.burst_loss,
        ),
    ]


def judge_reach(subject: str, role: str, sent: int, received: int, rtt: float | None) -> Finding:
    """A few echoes to one device: does it answer at all?"""
    params = {"role": role, "sent": str(sent), "received": str(received)}
    if received == 0:
        return Finding("reach", subject, State.FAIL, _pct(1.0), "reach.down", params, 1.0)
    loss = 1 - received / sent
    value = _ms(rtt) if rtt is not None else ""
    if received < sent:
        return Finding("reach", subject, State.WARN, value, "reach.partial", params, loss)
    return Finding("reach", subject, State.PASS, value, "reach.pass", params, rtt)


def judge_tcp(subject: str, service: str, result: TcpResult, *, check: str = "tcp") -> Finding:
    """A TCP connect to one service port: open, closed (refused) or not answering.

    SSH is the management path (``tcp.fail``); a media service port of the codec or of the
    MCU/registrar (``check="registrar"``) that refuses means the service is off, one that
    does not answer means something on the way drops it: different next steps.
    """
    params = {"service": service, "port": str(result.port), "error": result.error}
    prefix = "registrar" if check == "registrar" else "tcp"
    if result.success:
        return Finding(check, subject, State.PASS, _ms(result.duration), f"{prefix}.pass", params)
    if service == "ssh" and check == "tcp":
        return Finding(check, subject, State.FAIL, result.error, "tcp.fail", params)
    kind = "closed" if result.error == REFUSED else "blocked"
    return Finding(check, subject, State.FAIL, result.error, f"{prefix}.{kind}", params)


def judge_registrar_reach(subject: str, sent: int, received: int, rtt: float | None) -> Finding:
    """Echoes to the MCU/registrar: every commune's calls go through it."""
    params = {"sent": str(sent), "received": str(received), "service": "ping", "port": ""}
    if received == 0:
        return Finding("registrar", subject, State.FAIL, _pct(1.0), "registrar.down", params, 1.0)
    value = _ms(rtt) if rtt is not None else ""
    if received < sent:
        loss = 1 - received / sent
        return Finding("registrar", subject, State.WARN, value, "registrar.partial", params, loss)
    return Finding("registrar", subject, State.PASS, value, "registrar.answers", params, rtt)


def judge_ntp(subject: str, result: NtpResult, limits: Thresholds) -> Finding:
    """One NTP query: no answer FAILs, an unsynchronised server FAILs, and a clock far
    from this computer's WARNs (one of the two is wrong: times in the log would be off)."""
    if not result.success:
        return Finding("ntp", subject, State.FAIL, "", "ntp.down", {"error": result.error})
    assert result.offset is not None
    stratum, leap = str(result.stratum), str(result.leap)
    offset = f"{result.offset * 1000:+.0f} ms"
    params = {"stratum": stratum, "leap": leap, "offset": offset, "reference": result.reference}
    value = f"stratum {stratum}, {offset}"
    if not result.synchronised:
        return Finding("ntp", subject, State.FAIL, value, "ntp.unsynchronised", params)
    if abs(result.offset) > limits.ntp_offset_warn:
        return Finding("ntp", subject, State.WARN, value, "ntp.offset", params, result.offset)
    return Finding("ntp", subject, State.PASS, value, "ntp.pass", params, result.offset)


def judge_codec(subject: str, status: CodecStatus, *, expect_h323: bool) -> list[Finding]:
    """SIP registration (always expected) and H.323 (when the inventory gives a gatekeeper)."""
    if not status.success:
        return [login_failure("sip", subject, status.error)]
    sip = status.sip or "—"
    findings = [
        Finding("sip", subject, State.PASS, sip, "sip.pass")
        if status.sip_registered
        else Finding("sip", subject, State.FAIL, sip, "sip.fail", {"status": sip})
    ]
    if expect_h323:
        h323 = status.h323 or "—"
        findings.append(
            Finding("h323", subject, State.PASS, h323, "h323.pass")
            if status.h323_registered
            else Finding("h323", subject, State.FAIL, h323, "h323.fail", {"status": h323})
        )
    return findings


def judge_call_rate(
    subject: str, rate_kbps: int | None, bandwidth_mbps: int | None, limits: Thresholds
) -> Finding:
    """The circuit must carry the configured call rate plus the headroom (+20 %)."""
    if rate_kbps is None or bandwidth_mbps is None:
        return Finding("call_rate", subject, State.SKIP, "", "call_rate.unknown")
    need = rate_kbps * limits.rate_headroom
    capacity = bandwidth_mbps * 1000
    params = {
        "rate": f"{rate_kbps} kbps",
        "need": f"{need / 1000:.1f} Mbps",
        "bandwidth": f"{bandwidth_mbps} Mbps",
    }
    value = f"{rate_kbps} kbps / {bandwidth_mbps} Mbps"
    if rate_kbps > capacity:
        return Finding("call_rate", subject, State.FAIL, value, "call_rate.fail", params, need)
    if need > capacity:
        return Finding("call_rate", subject, State.WARN, value, "call_rate.warn", params, need)
    return Finding("call_rate", subject, State.PASS, value, "call_rate.pass", params, need)


def login_failure(check: str, subject: str, error: str) -> Finding:
    """A session that could not be opened: wrong password, device down, or something else."""
    lowered = error.lower()
    if any(word in lowered for word in ("authentication", "permission denied", "auth fail")):
        code = "login.refused"
    elif any(
        word in lowered
        for word in (
            "timed out",
            "timeout",
            "no answer",
            "refused",
            "unreachable",
            "no route",
            "closed",
        )
    ):
        code = "login.down"
    else:
        code = "login.error"
    first = error.strip().splitlines()[0] if error.strip() else ""
    return Finding(check, subject, State.FAIL, "", code, {"error": first})


def judge_drift(subject: str, *, failed: bool, error: str, lines: int) -> Finding:
    """The plan engine's verdict for one device (read-only)."""
    if failed:
        return login_failure("drift", subject, error)
    if lines:
        return Finding(
            "drift", subject, State.WARN, str(lines), "drift.warn", {"lines": str(lines)}, lines
        )
    return Finding("drift", subject, State.PASS, "0", "drift.pass", {}, 0)


def not_measured(check: str, subject: str, code: str) -> Finding:
    return Finding(check, subject, State.SKIP, "", code)
