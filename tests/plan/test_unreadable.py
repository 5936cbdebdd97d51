"""Never a traceback: damaged real configs are planned or refused with a PlanError.

Every corpus config, damaged the ways captures get damaged (a line lost, a line doubled, a
line shifted right by one space, a section cut short), is either planned or refused with a
:class:`PlanError` naming the host; any other exception is a planner bug.
"""

from __future__ import annotations

import random
import zlib

import pytest

from communet.plan import Context, PlanError, plan_config

from .real_configs import Entry, device_for, entries, render_for

ENTRIES = entries()


def damaged(text: str, seed: int) -> list[str]:
    lines = text.splitlines()
    rng = random.Random(seed)  # noqa: S311 - reproducible damage, not cryptography
    out = []
    for _ in range(8):
        copy = list(lines)
        at = rng.randrange(len(copy))
        kind = rng.choice(("drop", "double", "shift", "cut"))
        if kind == "drop":
            del copy[at]
        elif kind == "double":
            copy.insert(at, copy[at])
        elif kind == "shift":
            copy[at] = " " + copy[at]
        else:
            copy = copy[:at]
        out.append("\n".join(copy) + "\n")
    return out


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.file for e in ENTRIES])
def test_a_damaged_config_is_planned_or_refused_naming_the_host(entry: Entry) -> None:
    device = device_for(entry.platform)
    intended = render_for(device).text
    refused = []
    for text in damaged(entry.text, zlib.crc32(entry.file.encode())):
        try:
            plan_config(
                device.hostname, entry.platform, text, intended, Context(login_user="admin")
            )
        except PlanError as error:
            refused.append(str(error))
    assert all(r.startswith(f"{device.hostname}: cannot plan: ") for r in refused), refused
