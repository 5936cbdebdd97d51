"""``python -m communet_dashboards [DIR]``: write the dashboards and provisioning files."""

from __future__ import annotations

import sys
from pathlib import Path

from communet_dashboards.build import build, to_json
from communet_dashboards.provisioning import PROVISIONING

DEFAULT = Path(__file__).resolve().parents[1] / "dashboards"


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    for uid, board in build().items():
        path = out / f"{uid}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(to_json(board), encoding="utf-8")
    for relative, text in PROVISIONING.items():
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    print(f"wrote {len(build())} dashboards and {len(PROVISIONING)} provisioning files to {out}")


if __name__ == "__main__":
    main()
