"""The ICMP series of /metrics, compiled (_render.c)."""

from collections.abc import Buffer

def render(
    records: Buffer,
    record_size: int,
    first_word: int,
    slots: Buffer,
    labels: list[str],
    bounds: tuple[str, ...],
    recent: int,
    /,
) -> tuple[str, str, str, int, int, int]: ...
