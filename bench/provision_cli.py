"""The CLI path of the provisioning bench: converge every device of an inventory on a lab.

    .venv/bin/python bench/provision_cli.py INVENTORY --lab STATE_DIR [--workers 20]
        [--limit N] [--render-only DIR]

Run by bench/provision.py in its own process (so its CPU is measured like every other path)
until ``communet apply`` exists; it calls the same engine (:func:`communet.apply.apply_all`)
with the lab overlay and the lab's per-device known_hosts (host keys are checked). Prints one
JSON line: device counts by status and the first errors. ``--check`` only plans (which devices
still differ from their intended config after another tool converged them). With
``--render-only DIR`` it writes the intended config of every IOS device in the lab to
``DIR/<hostname>.cfg`` instead (the peer ``ios_config`` playbook pushes those files) and
connects to nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from communet.apply import Options, apply_all  # noqa: E402
from communet.connect import lab_overlay, netmiko_connector  # noqa: E402
from communet.inventory import ResolvedDevice, load_inventory  # noqa: E402
from communet.render import render_device  # noqa: E402
from communet.secrets import EnvVaultResolver  # noqa: E402

# The bench's own vault: SNMPv3 values only (lab devices accept any); login from the lab.
BENCH_VAULT = {
    "snmp_user": "noc",
    "snmp_auth_key": "AuthKey2024x",
    "snmp_priv_key": "PrivKey2024x",
}


def resolver(state_dir: Path) -> EnvVaultResolver:
    overlay = json.loads((state_dir / "lab.json").read_text("utf-8"))
    return EnvVaultResolver(
        vault=BENCH_VAULT,
        environ={
            "COMMUNET_USERNAME": overlay["username"],
            "COMMUNET_PASSWORD": overlay["password"],
            "COMMUNET_ENABLE": overlay["enable"],
        },
    )


def render_ios(inventory: Path, state_dir: Path, out: Path, limit: int) -> dict[str, int]:
    """Intended configs of the lab's IOS devices, one file each (for the ios_config peer)."""
    loaded = load_inventory(inventory)
    known = json.loads((state_dir / "lab.json").read_text("utf-8"))["devices"]
    secrets = resolver(state_dir)
    plans = {p.province.slug: p for p in loaded.plans}
    out.mkdir(parents=True, exist_ok=True)
    devices: list[ResolvedDevice] = [
        d for d in loaded.devices if d.hostname in known and d.platform == "cisco_ios"
    ]
    if limit:
        devices = devices[:limit]
    lines = 0
    for device in devices:
        text = render_device(plans[device.province], device, secrets).text
        (out / f"{device.hostname}.cfg").write_text(text, "utf-8")
        lines += len(text.splitlines())
    return {"rendered": len(devices), "lines": lines}


def converge(
    inventory: Path, state_dir: Path, *, workers: int, limit: int, only: set[str], check: bool
) -> dict[str, object]:
    loaded = load_inventory(inventory)
    known = json.loads((state_dir / "lab.json").read_text("utf-8"))["devices"]
    devices = [d for d in loaded.devices if d.hostname in known]
    if only:
        devices = [d for d in devices if d.hostname in only]
    if limit:
        devices = devices[:limit]
    secrets = resolver(state_dir)
    connect = netmiko_connector(lab_overlay(state_dir), secrets)
    began = time.perf_counter()
    results = apply_all(
        loaded,
        devices,
        secrets,
        connect,
        Options(check=check, workers=workers, backup_dir=None if check else state_dir / "backups"),
    )
    statuses = Counter(r.status for r in results)
    by_platform = Counter(r.platform for r in results)
    errors = [f"{r.hostname}: {r.error[:200]}" for r in results if r.failed][:5]
    return {
        "devices": len(results),
        "platforms": dict(by_platform),
        "changed": statuses["changed"],
        "ok": statuses["ok"],
        "failed": statuses["failed"],
        "commands": sum(len(r.commands) for r in results),
        "differing": sorted(r.hostname for r in results if r.commands)[:10],
        "errors": errors,
        "inner_wall": round(time.perf_counter() - began, 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("inventory", type=Path)
    parser.add_argument("--lab", type=Path, required=True, help="the lab's state directory")
    parser.add_argument("--workers", type=int, default=20)
    parser.add_argument("--limit", type=int, default=0, help="only the first N devices")
    parser.add_argument("--render-only", type=Path, default=None)
    parser.add_argument("--check", action="store_true", help="plan only: who still differs")
    parser.add_argument(
        "--hosts-from", type=Path, default=None, help="only the hosts of DIR/<hostname>.cfg"
    )
    args = parser.parse_args()
    if args.render_only is not None:
        summary: dict[str, object] = dict(
            render_ios(args.inventory, args.lab, args.render_only, args.limit)
        )
    else:
        only = {p.stem for p in args.hosts_from.glob("*.cfg")} if args.hosts_from else set()
        summary = converge(
            args.inventory,
            args.lab,
            workers=args.workers,
            limit=args.limit,
            only=only,
            check=args.check,
        )
    print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
