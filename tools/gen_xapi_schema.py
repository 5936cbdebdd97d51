"""Regenerate communet/data/xapi/*.json from Cisco's published xAPI schema files.

The schemas are the JSON files roomos.cisco.com serves, kept in the public GitHub repository
cisco-ce/roomos.cisco.com (``schemas/``; older CE 9 files only in its history under
``schemas/history/``). That repository has no licence file, so the files themselves are not
copied into communet: this tool extracts the facts communet needs (every ``Configuration``
path with its value space, default and products; a few ``Status`` paths) from a local git
copy and writes one compact file per firmware version. Nothing is fetched at run time.

    git clone https://github.com/cisco-ce/roomos.cisco.com /tmp/roomos   # any full clone
    .venv/bin/python tools/gen_xapi_schema.py --git-dir /tmp/roomos/.git

Output (sorted, one line per setting, diff-friendly JSON):
``{"version", "family", "source": {repository, path, commit, blob}, "products": [...],
"product_sets": [[index, ...], ...], "configuration": [[path, kind, default, space, set]],
"status": [[path, kind, space, set]]}`` where ``kind`` is ``Literal`` (``space`` = the
values), ``Integer`` (``space`` = [min, max]) or ``String`` (``space`` = [min, max] length),
and ``path`` keeps the schema's index notation (``Network[1] QoS Mode``,
``NetworkServices NTP Server[1..3] Address``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

REPOSITORY = "https://github.com/cisco-ce/roomos.cisco.com"
OUT = Path(__file__).resolve().parent.parent / "communet" / "data" / "xapi"

# (output name, family, commit, path in the repository). The CE 9.12–9.15.0 files were
# moved to schemas/history/ and later removed; 72dc471 is the last commit that holds them.
SOURCES: tuple[tuple[str, str, str, str], ...] = (
    ("ce9.12.4", "ce9", "72dc471c74eea7a1637c5490724e59a4e3a8d396", "schemas/history/9.12.4.json"),
    ("ce9.13.1", "ce9", "72dc471c74eea7a1637c5490724e59a4e3a8d396", "schemas/history/9.13.1.json"),
    ("ce9.14.4", "ce9", "72dc471c74eea7a1637c5490724e59a4e3a8d396", "schemas/history/9.14.4.json"),
    (
        "ce9.15.0.11",
        "ce9",
        "72dc471c74eea7a1637c5490724e59a4e3a8d396",
        "schemas/history/9.15.0.11.json",
    ),
    ("ce9.15.17.4", "ce9", "8134821", "schemas/9.15.17.4.json"),
    ("roomos10.19.4.2", "roomos", "8134821", "schemas/10.19.4.2.json"),
    ("roomos11.14.5.0", "roomos", "8134821", "schemas/11.14.5.0.json"),
    ("roomos11.27.2.0", "roomos", "8134821", "schemas/11.27.2.0.json"),
    ("roomos26.4.1", "roomos", "8134821", "schemas/26.4.1 March 2026.json"),
)

# Status paths communet reads (registration for provisioning, the exporter and readiness;
# identity for brownfield reports). Everything else of Status/Command/Event is left out.
STATUS = (
    "SIP Registration[n] Status",
    "SIP Registration[n] Reason",
    "SIP Registration[n] URI",
    "H323 Gatekeeper Status",
    "H323 Gatekeeper Address",
    "SystemUnit ProductId",
    "SystemUnit ProductPlatform",
    "SystemUnit Software Version",
    "SystemUnit Software DisplayName",
    "SystemUnit Uptime",
    "SystemUnit Hardware Module SerialNumber",
    "Network[n] IPv4 Address",
)


def git(git_dir: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "--git-dir", str(git_dir), *args], check=True, capture_output=True, text=True
    ).stdout


def space(valuespace: dict[str, Any]) -> tuple[str, Any]:
    kind = str(valuespace.get("type", "String"))
    if kind == "Literal":
        return kind, [str(v) for v in valuespace.get("Values", [])]
    if kind == "Integer":
        # Status integers carry no bounds; settings always do.
        return kind, [int(valuespace.get("Min", -(2**31))), int(valuespace.get("Max", 2**31 - 1))]
    if kind == "String":
        return kind, [int(valuespace.get("MinLength", 0)), int(valuespace.get("MaxLength", 255))]
    raise ValueError(f"unknown value space type {kind!r}")


def extract(schema: dict[str, Any]) -> dict[str, Any]:
    objects = [o for o in schema["objects"] if o["type"] in ("Configuration", "Status")]
    products = sorted({p for o in objects for p in o.get("products", [])})
    number = {p: i for i, p in enumerate(products)}
    sets: dict[tuple[int, ...], int] = {}

    def set_of(obj: dict[str, Any]) -> int:
        key = tuple(sorted(number[p] for p in obj.get("products", [])))
        return sets.setdefault(key, len(sets))

    configuration = []
    status = []
    for obj in sorted(objects, key=lambda o: (o["type"], o["path"])):
        attributes = obj["attributes"]
        kind, values = space(attributes.get("valuespace", {}))
        if obj["type"] == "Configuration":
            default = attributes.get("default")
            configuration.append(
                [obj["path"], kind, "" if default is None else str(default), values, set_of(obj)]
            )
        elif obj["path"] in STATUS:
            status.append([obj["path"], kind, values, set_of(obj)])
    missing = set(STATUS) - {row[0] for row in status}
    if missing:
        raise ValueError(f"status paths missing from the schema: {sorted(missing)}")
    return {
        "products": products,
        "product_sets": [list(key) for key in sets],
        "configuration": configuration,
        "status": status,
    }


def dump(document: dict[str, Any]) -> str:
    """One JSON value per line for the long lists: small diffs between regenerations."""
    head = {k: v for k, v in document.items() if k not in ("configuration", "status")}
    lines = [json.dumps(head, ensure_ascii=False)[:-1] + ","]
    for name in ("configuration", "status"):
        rows = document[name]
        lines.append(f' "{name}": [')
        lines += [
            "  " + json.dumps(row, ensure_ascii=False) + ("," if i < len(rows) - 1 else "")
            for i, row in enumerate(rows)
        ]
        lines.append(" ]" + ("," if name == "configuration" else ""))
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--git-dir", type=Path, required=True, help="a full clone's .git")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, family, commit, path in SOURCES:
        full = git(args.git_dir, "rev-parse", commit).strip()
        blob = git(args.git_dir, "rev-parse", f"{full}:{path}").strip()
        schema = json.loads(git(args.git_dir, "cat-file", "blob", blob))
        document = {
            "version": name,
            "family": family,
            "source": {"repository": REPOSITORY, "path": path, "commit": full, "blob": blob},
            **extract(schema),
        }
        target = args.out / f"{name}.json"
        target.write_text(dump(document), encoding="utf-8")
        print(
            f"{target.name}: {len(document['configuration'])} settings, "
            f"{len(document['products'])} products, {target.stat().st_size // 1024} KiB",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
