"""The compiled per-echo loops of :class:`communet.probe.icmp.Pinger` (_echo.c)."""

from collections.abc import Buffer

def pack(
    records: Buffer,
    record_size: int,
    slots: Buffer,
    first: int,
    count: int,
    out: Buffer,
    step: int,
    chunk_sum: int,
    identifier: int,
    chunk: int,
    run: int,
    /,
) -> None: ...
def book(
    records: Buffer,
    record_size: int,
    buckets: tuple[float, ...],
    headers: Buffer,
    data: Buffer,
    slot_size: int,
    control: Buffer,
    control_size: int,
    count: int,
    ip_header: int,
    identifier: int,
    run: int,
    ring_ids: Buffer,
    ring_sent_at: Buffer,
    ring_replies: Buffer,
    timeout_ns: int,
    observe: bool,
    /,
) -> tuple[int, list[int], list[tuple[int, int, float]] | None]: ...
