"""TCP connect probes: is the service port open, and how long did the handshake take."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from dataclasses import dataclass

# The services a commune's devices offer the NOC, by name (IANA port numbers).
SERVICES: dict[str, int] = {
    "ssh": 22,
    "sip": 5060,
    "sips": 5061,
    "h323": 1720,
    "https": 443,
}


@dataclass(frozen=True)
class TcpResult:
    address: str
    port: int
    success: bool
    duration: float  # seconds until connected, or until the failure
    error: str = ""


async def tcp_connect(address: str, port: int, timeout: float = 3.0) -> TcpResult:
    """Open and close one TCP connection; never raises for network failures."""
    began = time.perf_counter()
    try:
        _reader, writer = await asyncio.wait_for(asyncio.open_connection(address, port), timeout)
    except TimeoutError:
        return TcpResult(address, port, False, time.perf_counter() - began, "timeout")
    except OSError as error:
        # asyncio wraps the errno in "Connect call failed (address)": say what the errno means
        reason = os.strerror(error.errno) if error.errno else str(error)
        return TcpResult(address, port, False, time.perf_counter() - began, reason)
    duration = time.perf_counter() - began
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return TcpResult(address, port, True, duration)
