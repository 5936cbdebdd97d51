"""Where the Ansible path's CPU goes: ansible-playbook's own process against its workers.

    .venv/bin/python bench/ansible_share.py --province inventory/thanh-hoa [--py-spy parent.txt]

A fresh lab of the province is converged from blank by the CLI engine (not measured), then
``playbooks/site.yml`` runs with nothing to do, as bench/provision.py runs it. Reported per
host: the CPU of ansible-playbook's own process (read from ``/proc`` until it exits) and of
everything it forked (this process's ``RUSAGE_CHILDREN`` over the run, minus the parent).
``--py-spy FILE`` also samples the parent (py-spy from the ``bench`` extra; its own CPU is
then counted apart). Loopback only. See docs/benchmarks.md (provisioning, issue 10).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.provision import Context, LabProcess, ansible_command, lab_env  # noqa: E402
from bench.provision import provision_cli_argv as cli_argv  # noqa: E402
from bench.provision_meter import process_cpu  # noqa: E402


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(argv: list[str], env: dict[str, str], out: Path, spy: Path | None) -> dict[str, float]:
    before = children_cpu()
    began = time.perf_counter()
    with (out / "ansible.out").open("w") as stdout:
        playbook = subprocess.Popen(
            argv, env=env, cwd=REPO, stdout=stdout, stderr=subprocess.STDOUT
        )
    sampler = None
    if spy is not None:
        sampler = subprocess.Popen(
            [
                str(REPO / ".venv" / "bin" / "py-spy"),
                *("record", "--nonblocking", "-r", "50", "-f", "raw", "-o", str(spy)),
                *("-p", str(playbook.pid)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    parent = 0.0
    while playbook.poll() is None:
        with contextlib.suppress(OSError, IndexError):  # it may exit between the two
            parent = process_cpu(playbook.pid)
        time.sleep(0.2)
    wall = time.perf_counter() - began
    spied = 0.0
    if sampler is not None:
        spied_before = children_cpu()
        sampler.wait()
        spied = children_cpu() - spied_before
    total = children_cpu() - before - spied
    return {"wall": wall, "parent": parent, "total": total, "rc": float(playbook.returncode)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--province", type=Path, default=REPO / "inventory" / "demo")
    parser.add_argument("--forks", type=int, default=20)
    parser.add_argument("--workers", type=int, default=20)
    parser.add_argument("--network", default="127.197.0.0/16")
    parser.add_argument("--py-spy", dest="spy", type=Path, default=None)
    args = parser.parse_args()
    args.ansible_limit = ""
    work = Path(tempfile.mkdtemp(prefix="communet-ansible-share-"))
    province = args.province.resolve()
    ctx = Context(province, province.name, work, args)
    lab = LabProcess(province, work / "lab", args.network)
    try:
        converged = subprocess.run(
            cli_argv(ctx, lab), env=lab_env(lab), cwd=REPO, capture_output=True, check=False
        )
        if converged.returncode != 0:
            raise SystemExit(f"the CLI did not converge the lab: {converged.stderr[-300:]!r}")
        argv, env = ansible_command(ctx, lab)
        figures = measure(argv, env, work, args.spy)
    finally:
        lab.stop()
    hosts = (work / "ansible.out").read_text("utf-8").count(" : ok=")
    shutil.rmtree(work / "lab", ignore_errors=True)
    per = max(hosts, 1)
    workers = (figures["total"] - figures["parent"]) / per
    print(
        f"{province.name}: {hosts} hosts, no change, wall {figures['wall']:.1f} s, "
        f"rc {figures['rc']:.0f}; CPU-s per host: ansible-playbook "
        f"{figures['parent'] / per:.3f}, workers {workers:.3f}, "
        f"all {figures['total'] / per:.3f}; load {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    return 0 if figures["rc"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
