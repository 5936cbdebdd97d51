"""Wall and CPU of ``communet readiness`` over a lab province, and of ``communet check`` of one
commune (issue 13; target: the ~2,200-device province in <= 60 s on 2 cores).

Re-executes itself under ``unshare -rn``: the lab answers ICMP itself in that namespace (one
device per 127.x address), is converged to its intended config first (``apply_all``), then the
real CLI runs as a child process. The lab also stands in for the province's MCU/registrar and
NTP servers and serves the codecs' service ports. CPU: the CLI's own (getrusage of children,
including the plan engine's forked processes), the lab's (this process: every lab thread) and
its ICMP responder's (a process of its own, read from /proc). The load average is recorded
before and after each run: the machine may be shared.

    .venv/bin/python bench/readiness.py --province inventory/thanh-hoa --json /tmp/r.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

VAULT = {"snmp_user": "communet", "snmp_auth_key": "lab-auth-key", "snmp_priv_key": "lab-priv-key"}
ENVIRON = {"COMMUNET_USERNAME": "admin", "COMMUNET_PASSWORD": "lab", "COMMUNET_ENABLE": "lab"}
COMMUNET = Path(sys.executable).with_name("communet")


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


def process_cpu(pid: int | None) -> float:
    """User + system CPU seconds of a running process (0 when unknown)."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def timed_cli(args: list[str], out: Path, responder: int | None = None) -> dict[str, Any]:
    load_before = load_average()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.monotonic()
    lab_cpu = time.process_time()
    responder_cpu = process_cpu(responder)
    done = subprocess.run(
        [str(COMMUNET), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **ENVIRON, "COMMUNET_LOG_DIR": str(out / "logs")},
        check=False,
    )
    wall = time.monotonic() - began
    lab_cpu = time.process_time() - lab_cpu
    responder_cpu = process_cpu(responder) - responder_cpu
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    summary: dict[str, int] = {}
    if "--json" in args and done.stdout.strip():
        document = json.loads(done.stdout)
        summary = document.get("summary") or {"state": document.get("state")}
    return {
        "argv": ["communet", *args],
        "code": done.returncode,
        "wall_s": round(wall, 1),
        "cli_cpu_s": round(cpu, 1),
        "lab_cpu_s": round(lab_cpu, 1),
        "responder_cpu_s": round(responder_cpu, 1),
        "load_before": load_before,
        "load_after": load_average(),
        "summary": summary,
        "stderr_tail": done.stderr.strip().splitlines()[-3:],
    }


def main_in_namespace(args: argparse.Namespace) -> dict[str, Any]:
    from communet.apply import Options, apply_all  # noqa: PLC0415
    from communet.connect import lab_overlay, netmiko_connector  # noqa: PLC0415
    from communet.inventory import load_inventory  # noqa: PLC0415
    from communet.lab import Lab  # noqa: PLC0415
    from communet.lab.icmp import prepare_namespace  # noqa: PLC0415
    from communet.lab.runtime import specs_from_inventory  # noqa: PLC0415
    from communet.lab.services import services_from_inventory  # noqa: PLC0415
    from communet.secrets import EnvVaultResolver  # noqa: PLC0415

    prepare_namespace()
    os.environ.update(ENVIRON)
    province = Path(args.province)
    loaded = load_inventory(province)
    out = Path(tempfile.mkdtemp(prefix="bench-readiness-"))
    vault = out / "vault.yml"
    vault.write_text("".join(f"vault_{k}: {v}\n" for k, v in VAULT.items()), encoding="utf-8")
    specs = specs_from_inventory(province)
    result: dict[str, Any] = {
        "machine": machine(),
        "province": str(province),
        "devices": len(specs),
    }
    services = services_from_inventory(province)
    with Lab(specs, state_dir=out / "lab", icmp=True, services=services) as lab:
        responder = lab.responder.pid if lab.responder is not None else None
        result["lab_start_s"] = round(lab.started_in, 1)
        began = time.monotonic()
        secrets = EnvVaultResolver(vault=VAULT)
        converged = apply_all(
            loaded,
            loaded.devices,
            secrets,
            netmiko_connector(lab_overlay(out / "lab"), secrets),
            Options(workers=20, processes=os.cpu_count() or 1, verify_reconnect=False),
        )
        result["converge_s"] = round(time.monotonic() - began, 1)
        result["converge_failed"] = sum(r.failed for r in converged)
        common = [
            "--inventory",
            str(province),
            "--lab",
            str(out / "lab"),
            "--secrets",
            str(vault),
        ]
        scope = loaded.plans[0].province.slug
        runs = {
            "readiness": ["--json"],
            "readiness_no_drift": ["--json", "--no-drift"],
            "readiness_budget_8000": ["--json", "--echo-budget", "8000"],
        }
        for name, extra in runs.items():
            result[name] = timed_cli(["readiness", scope, *common, *extra], out, responder)
        commune = next(d.site.slug for d in loaded.devices if d.site.kind == "commune")
        result["check"] = timed_cli(["check", commune, *common, "--json"], out, responder)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--province", default="inventory/thanh-hoa")
    parser.add_argument("--json", type=Path, default=None, help="Also write the result here.")
    parser.add_argument("--in-namespace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.in_namespace:
        argv = [
            "unshare",
            "-rn",
            sys.executable,
            __file__,
            "--in-namespace",
            "--province",
            args.province,
        ]
        if args.json:
            argv += ["--json", str(args.json)]
        raise SystemExit(subprocess.call(argv))
    result = main_in_namespace(args)
    text = json.dumps(result, indent=1, ensure_ascii=False)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
