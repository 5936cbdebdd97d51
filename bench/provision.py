"""Provisioning bench (issue #4): CLI, Ansible and the ios_config peer, side by side, on a lab.

    .venv/bin/python bench/provision.py --province inventory/demo [--ansible] [--peer]
        [--repeat 3] [--peer-limit N] [--json results.json]

For each repeat and each path, a fresh lab of the province (``python -m communet.lab serve``,
every device on 127.x.y.z, host keys per device) is started, the path converges it from blank
and then runs again with nothing to do; the lab is stopped. Paths:

- ``cli``: ``communet apply PROVINCE --lab STATE`` (or, with ``--cli-runner apply_all`` or when
  the command is missing, bench/provision_cli.py: the same :func:`communet.apply.apply_all`);
- ``ansible`` (``--ansible``): ``ansible-playbook playbooks/site.yml`` as ansible.cfg sets it
  up: ansible-core's builtin linear strategy, the communet.network.config action in the
  worker forked per host (``COMMUNET_LAB`` names the lab), from this venv;
- ``cli-ios`` (``--cli-ios``, implied by ``--peer``): the same engine (bench/provision_cli.py)
  on exactly the peer's IOS devices, so that peer and CLI compare on one device set;
- ``peer`` (``--peer``): ``cisco.ios.ios_config`` over ``ansible.netcommon.network_cli`` (libssh,
  forks 20) from a separate venv with the ``ansible`` 14.5 package, pushing the configs
  communet renders, to the IOS devices only (ios_config manages neither Huawei VRP nor RoomOS).

Wall and CPU cover every process a path starts (bench/provision_meter.py: a cgroup per
command); the lab server's CPU is reported apart. Medians over ``--repeat``. Loopback only.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.provision_cli import BENCH_VAULT  # noqa: E402
from bench.provision_meter import Meter, Usage, process_cpu  # noqa: E402

PEER_VENV = REPO / ".venv" / "bench-peer"
PEER_DIR = REPO / "bench" / "ios_config"
PHASES = ("blank", "no-change")
RECAP = re.compile(
    r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M
)
# Issue #4 targets (wall seconds) and DESIGN.md §5 targets.
TARGET_CONVERGE = 300.0
TARGET_NOCHANGE = 180.0
TARGET_ANSIBLE_RATIO = 2.0


@dataclass
class Run:
    path: str
    phase: str
    repeat: int
    devices: int = 0
    changed: int = 0
    ok: int = 0
    failed: int = 0
    wall: float = 0.0
    cpu: float = 0.0
    user: float = 0.0
    system: float = 0.0
    lab_cpu: float = 0.0
    load: tuple[float, float, float] = (0.0, 0.0, 0.0)
    returncode: int = 0
    notes: list[str] = field(default_factory=list)


class LabProcess:
    """``python -m communet.lab serve`` for one path's runs; its own CPU is read from /proc."""

    def __init__(self, province: Path, state: Path, network: str) -> None:
        if state.exists():
            shutil.rmtree(state)
        argv = [
            sys.executable,
            "-m",
            "communet.lab",
            "serve",
            str(province),
            "--network",
            network,
            "--state-dir",
            str(state),
        ]
        self.state = state
        began = time.perf_counter()
        self.proc = subprocess.Popen(argv, cwd=REPO, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        self.banner = self.proc.stdout.readline().strip()
        self.ready = time.perf_counter() - began
        if not (state / "lab.json").exists():
            raise SystemExit(f"the lab did not start: {self.banner!r}")
        self.overlay: dict[str, Any] = json.loads((state / "lab.json").read_text("utf-8"))

    def cpu(self) -> float:
        return float(process_cpu(self.proc.pid))

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# ------------------------------------------------------------------------------ the paths
@dataclass(frozen=True)
class Context:
    province: Path
    slug: str
    work: Path
    args: argparse.Namespace


def lab_env(lab: LabProcess) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        COMMUNET_USERNAME=lab.overlay["username"],
        COMMUNET_PASSWORD=lab.overlay["password"],
        COMMUNET_ENABLE=lab.overlay["enable"],
        COMMUNET_LAB=str(lab.state),
        COMMUNET_BACKUP_DIR=str(lab.state / "backups"),
    )
    return env


def cli_available() -> bool:
    communet = REPO / ".venv" / "bin" / "communet"
    done = subprocess.run(
        [str(communet), "apply", "--help"], capture_output=True, text=True, check=False
    )
    return done.returncode == 0 and "--lab" in done.stdout


def cli_command(ctx: Context, lab: LabProcess) -> tuple[list[str], dict[str, str]]:
    if ctx.args.cli_runner == "communet":
        vault = ctx.work / "secrets.json"  # JSON is YAML; the one secrets file format
        vault.write_text(json.dumps({f"vault_{k}": v for k, v in BENCH_VAULT.items()}), "utf-8")
        argv = [
            str(REPO / ".venv" / "bin" / "communet"),
            "apply",
            ctx.slug,
            "--inventory",
            str(ctx.province),
            "--lab",
            str(lab.state),
            "--secrets",
            str(vault),
            "--workers",
            str(ctx.args.workers),
            "--backup-dir",
            str(lab.state / "backups"),
            "--json",
        ]
    else:
        argv = provision_cli_argv(ctx, lab)
    return argv, lab_env(lab)


def provision_cli_argv(ctx: Context, lab: LabProcess, *extra: str) -> list[str]:
    """bench/provision_cli.py: the same engine as ``communet apply``, no click."""
    return [
        sys.executable,
        str(REPO / "bench" / "provision_cli.py"),
        str(ctx.province),
        "--lab",
        str(lab.state),
        "--workers",
        str(ctx.args.workers),
        *extra,
    ]


def cli_ios_command(ctx: Context, lab: LabProcess) -> tuple[list[str], dict[str, str]]:
    """The CLI engine (apply_all) on exactly the peer's device set: same hosts, same configs."""
    hosts = ctx.work / "cli-ios" / "configs"
    return provision_cli_argv(ctx, lab, "--hosts-from", str(hosts)), lab_env(lab)


def cli_counts(run: Run, usage: Usage) -> None:
    text = usage.stdout.strip()
    try:
        parsed: Any = json.loads(text if text.startswith("[") else text.splitlines()[-1])
    except (ValueError, IndexError):
        run.notes.append("unparsed output: " + (usage.stderr.strip()[-300:] or text[-300:]))
        return
    if isinstance(parsed, list):  # communet apply --json: one result per host
        statuses = [r["status"] if "status" in r else _status(r) for r in parsed]
        run.devices = len(parsed)
        run.changed, run.ok, run.failed = (statuses.count(s) for s in ("changed", "ok", "failed"))
        errors = [f"{r['hostname']}: {r['error'][:160]}" for r in parsed if r.get("failed")]
    else:
        run.devices, run.changed = parsed["devices"], parsed["changed"]
        run.ok, run.failed, errors = parsed["ok"], parsed["failed"], parsed["errors"]
    run.notes += errors[:3]


def _status(result: dict[str, Any]) -> str:
    if result.get("failed"):
        return "failed"
    return "changed" if result.get("changed") else "ok"


def ansible_command(ctx: Context, lab: LabProcess) -> tuple[list[str], dict[str, str]]:
    extra = ctx.work / "ansible-vars.json"
    extra.write_text(json.dumps({f"vault_{k}": v for k, v in BENCH_VAULT.items()}), "utf-8")
    source = ctx.province.parent / f"{ctx.province.name}.communet.yml"
    argv = [
        str(REPO / ".venv" / "bin" / "ansible-playbook"),
        "-i",
        str(source),
        str(REPO / "playbooks" / "site.yml"),
        "-f",
        str(ctx.args.forks),
        "-e",
        f"@{extra}",
        *(["--limit", ctx.args.ansible_limit] if ctx.args.ansible_limit else []),
    ]
    env = lab_env(lab)
    env["ANSIBLE_CONFIG"] = str(REPO / "ansible.cfg")
    return argv, env


def recap_counts(run: Run, usage: Usage) -> None:
    hosts = RECAP.findall(usage.stdout)
    run.devices = len(hosts)
    run.changed = sum(1 for h in hosts if int(h[2]) > 0 and int(h[3]) + int(h[4]) == 0)
    run.failed = sum(1 for h in hosts if int(h[3]) + int(h[4]) > 0)
    run.ok = run.devices - run.changed - run.failed
    if not hosts:
        run.notes.append("no PLAY RECAP: " + (usage.stderr.strip() or usage.stdout.strip())[-400:])
    fatal = [line[:240] for line in usage.stdout.splitlines() if line.startswith("fatal:")]
    run.notes += fatal[:3]


def peer_prepare(ctx: Context, lab: LabProcess, name: str = "peer") -> Path:
    """Render the IOS configs and the peer inventory for this lab (not measured)."""
    from bench.ios_config.generate import generate  # noqa: PLC0415

    out = ctx.work / name
    if out.exists():
        shutil.rmtree(out)
    began = time.perf_counter()
    summary = generate(ctx.province, lab.state, out, ctx.args.peer_limit)
    ctx.args.peer_render = {**summary, "seconds": round(time.perf_counter() - began, 2)}
    (out / "home").mkdir()
    return out


def peer_command(ctx: Context, lab: LabProcess) -> tuple[list[str], dict[str, str]]:
    out = ctx.work / "peer"
    argv = [
        str(ctx.args.peer_venv / "bin" / "ansible-playbook"),
        "-i",
        str(out / "hosts.yml"),
        str(PEER_DIR / "site.yml"),
        "-f",
        str(ctx.args.forks),
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "PYTHON"))}
    env.update(
        HOME=str(out / "home"),  # ~/.ansible (tmp, persistent sockets) apart from the user's
        ANSIBLE_CONFIG=str(PEER_DIR / "ansible.cfg"),
        ANSIBLE_DEPRECATION_WARNINGS="False",
        PYTHONPATH=str(PEER_DIR / "shim"),
        COMMUNET_BENCH_KNOWN_HOSTS_DIR=str(lab.state / "known_hosts.d"),
    )
    return argv, env


def peer_verify(ctx: Context, lab: LabProcess) -> str:
    """Unmeasured: does communet's planner find the peer's devices at their intended config?"""
    argv = [
        sys.executable,
        str(REPO / "bench" / "provision_cli.py"),
        str(ctx.province),
        "--lab",
        str(lab.state),
        "--check",
        "--hosts-from",
        str(ctx.work / "peer" / "configs"),
    ]
    done = subprocess.run(argv, capture_output=True, text=True, check=False, cwd=REPO)
    try:
        summary = json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return "after the peer: communet plan failed: " + done.stderr.strip()[-300:]
    return (
        f"after the peer, communet plan finds {summary['changed']} of {summary['devices']} "
        f"IOS devices still differing from the intended config ({summary['commands']} lines; "
        f"e.g. {', '.join(summary['differing'][:3])})"
    )


Command = Callable[[Context, LabProcess], tuple[list[str], dict[str, str]]]
Counter = Callable[[Run, Usage], None]


def run_path(
    ctx: Context, meter: Meter, *, name: str, repeat: int, command: Command, count: Counter
) -> list[Run]:
    state = ctx.work / f"lab-{name}"
    lab = LabProcess(ctx.province, state, ctx.args.network)
    runs: list[Run] = []
    try:
        if name in ("peer", "cli-ios"):
            peer_prepare(ctx, lab, name)
        for phase in PHASES:
            argv, env = command(ctx, lab)
            run = Run(name, phase, repeat, load=os.getloadavg())
            lab_before = lab.cpu()
            usage = meter.run(argv, env=env, cwd=REPO, timeout=ctx.args.timeout)
            run.lab_cpu = lab.cpu() - lab_before
            run.wall, run.user, run.system = usage.wall, usage.user, usage.system
            run.cpu = usage.cpu
            run.returncode = usage.returncode
            count(run, usage)
            runs.append(run)
            print(line(run), flush=True)
            if run.devices == 0:
                break
        if name == "peer" and runs and runs[-1].devices:
            runs[-1].notes.append(peer_verify(ctx, lab))
    finally:
        lab.stop()
    return runs


def line(run: Run) -> str:
    note = f"  [{run.notes[0][:200]}]" if run.notes else ""
    return (
        f"  {run.path:14} {run.phase:9} #{run.repeat}: {run.devices} devices "
        f"(changed {run.changed}, ok {run.ok}, failed {run.failed}) wall {run.wall:.1f} s, "
        f"CPU {run.cpu:.1f} s, lab CPU {run.lab_cpu:.1f} s, load {run.load[0]:.2f}, "
        f"rc {run.returncode}{note}"
    )


# ------------------------------------------------------------------------------ report
def machine(args: argparse.Namespace) -> dict[str, str]:
    model = next(
        (
            row.split(":", 1)[1].strip()
            for row in Path("/proc/cpuinfo").read_text().splitlines()
            if row.startswith("model name")
        ),
        "unknown CPU",
    )
    info = {
        "cpu": f"{os.cpu_count()} × {model}",
        "kernel": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
    }
    for key, binary in (
        ("ansible (communet path)", REPO / ".venv" / "bin" / "ansible"),
        ("ansible (peer)", args.peer_venv / "bin" / "ansible"),
    ):
        if binary.exists():
            done = subprocess.run(
                [str(binary), "--version"], capture_output=True, text=True, check=False
            )
            head = done.stdout.splitlines()
            info[key] = head[0] if head else "?"
    community = args.peer_venv / "bin" / "ansible-community"
    if community.exists():
        done = subprocess.run(
            [str(community), "--version"], capture_output=True, text=True, check=False
        )
        info["ansible package (peer)"] = done.stdout.strip()
    return info


def median(runs: list[Run], attribute: str) -> float:
    return statistics.median(float(getattr(r, attribute)) for r in runs)


def summarise(runs: list[Run]) -> dict[tuple[str, str], dict[str, float]]:
    table: dict[tuple[str, str], dict[str, float]] = {}
    for key in sorted({(r.path, r.phase) for r in runs}):
        group = [r for r in runs if (r.path, r.phase) == key]
        devices = median(group, "devices")
        cpu = median(group, "cpu")
        table[key] = {
            "n": len(group),
            "devices": devices,
            "changed": median(group, "changed"),
            "failed": median(group, "failed"),
            "wall": median(group, "wall"),
            "cpu": cpu,
            "cpu_per_device": cpu / devices if devices else 0.0,
            "lab_cpu": median(group, "lab_cpu"),
            "load": statistics.median(r.load[0] for r in group),
        }
    return table


def ratios(table: dict[tuple[str, str], dict[str, float]]) -> list[str]:
    out = []
    for (other, phase), row in table.items():
        reference = "cli-ios" if other == "peer" and ("cli-ios", phase) in table else "cli"
        base = table.get((reference, phase))
        if (
            other in ("cli", "cli-ios")
            or base is None
            or not base["wall"]
            or not base["cpu_per_device"]
        ):
            continue
        out.append(
            f"- {other}/{reference}, {phase}: wall ×{row['wall'] / base['wall']:.2f}, "
            f"CPU ×{row['cpu'] / base['cpu']:.2f}, CPU per device "
            f"×{row['cpu_per_device'] / base['cpu_per_device']:.2f} "
            f"({row['devices']:.0f} vs {base['devices']:.0f} devices)"
        )
    return out


def targets(table: dict[tuple[str, str], dict[str, float]]) -> list[str]:
    out = []
    for phase, limit in (("blank", TARGET_CONVERGE), ("no-change", TARGET_NOCHANGE)):
        row = table.get(("cli", phase))
        if row is not None:
            verdict = "met" if row["wall"] <= limit else "MISSED"
            out.append(f"- CLI {phase} ≤ {limit:.0f} s: {row['wall']:.1f} s, {verdict}")
    for phase in PHASES:
        base, row = table.get(("cli", phase)), table.get(("ansible", phase))
        if base is None or row is None or not base["wall"]:
            continue
        ratio = row["wall"] / base["wall"]
        verdict = "met" if ratio <= TARGET_ANSIBLE_RATIO else "MISSED"
        out.append(
            f"- Ansible ≤ {TARGET_ANSIBLE_RATIO:.0f}× CLI ({phase}, wall): ×{ratio:.2f}, "
            f"{verdict}; CPU ×{row['cpu'] / base['cpu']:.2f}, "
            f"{row['cpu_per_device']:.3f} CPU-s per device (DESIGN §5: ≤ 0.2)"
        )
    return out


def report(province: str, runs: list[Run], info: dict[str, str], method: str) -> str:
    table = summarise(runs)
    out = [
        f"### {province}",
        "",
        "| path | run | devices | changed / failed | wall (s) | CPU (s) | CPU/device (s) "
        "| lab server CPU (s) | load (1 min) | n |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (path, phase), row in table.items():
        out.append(
            f"| {path} | {phase} | {row['devices']:.0f} | {row['changed']:.0f} / "
            f"{row['failed']:.0f} | {row['wall']:.1f} | {row['cpu']:.1f} | "
            f"{row['cpu_per_device']:.3f} | {row['lab_cpu']:.1f} | {row['load']:.2f} | "
            f"{row['n']:.0f} |"
        )
    out += ["", "Ratios (medians; per device where the device sets differ):", ""]
    out += ratios(table)
    out += ["", "Targets (issue #4):", ""]
    out += targets(table)
    notes = sorted(
        {f"{r.path} {r.phase}: {n}" for r in runs for n in r.notes},
        key=lambda n: ("communet plan" not in n, n),
    )
    if notes:
        out += ["", "Notes from the runs:", ""] + [f"- {n[:300]}" for n in notes[:12]]
    out += ["", f"CPU measured with {method}.", ""]
    out += [f"- {key}: {value}" for key, value in info.items()]
    return "\n".join(out)


def select_paths(
    args: argparse.Namespace, info: dict[str, str]
) -> list[tuple[str, Command, Counter]]:
    """The paths asked for that can run here; why the others cannot goes into ``info``."""
    paths: list[tuple[str, Command, Counter]] = []
    if args.cli:
        paths.append(("cli", cli_command, cli_counts))
    if args.ansible:
        if (REPO / "playbooks" / "site.yml").exists() and (
            REPO / "plugins" / "action" / "config.py"
        ).exists():
            paths.append(("ansible", ansible_command, recap_counts))
        else:
            info["ansible path"] = (
                "not measured: playbooks/site.yml or the action plugin is missing"
            )
    if args.cli_ios or args.peer:
        paths.append(("cli-ios", cli_ios_command, cli_counts))
    if args.peer:
        if (args.peer_venv / "bin" / "ansible-playbook").exists():
            paths.append(("peer", peer_command, recap_counts))
        else:
            info["peer"] = (
                f"not measured: no {args.peer_venv}/bin/ansible-playbook (see bench/README.md)"
            )
    return paths


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--province", type=Path, default=REPO / "inventory" / "demo")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--ansible", action="store_true", help="also the Ansible path")
    parser.add_argument("--peer", action="store_true", help="also the ios_config peer")
    parser.add_argument("--no-cli", dest="cli", action="store_false", help="skip the CLI path")
    parser.add_argument(
        "--cli-runner",
        choices=("auto", "communet", "apply_all"),
        default="auto",
        help="'communet apply' (auto when it exists) or bench/provision_cli.py",
    )
    parser.add_argument(
        "--cli-ios",
        action="store_true",
        help="also the CLI engine on the peer's device set (implied by --peer)",
    )
    parser.add_argument(
        "--ansible-limit", default="", help="ansible-playbook --limit for the Ansible path"
    )
    parser.add_argument("--peer-limit", type=int, default=0, help="peer: first N IOS devices")
    parser.add_argument("--peer-venv", type=Path, default=PEER_VENV)
    parser.add_argument("--workers", type=int, default=20)
    parser.add_argument("--forks", type=int, default=20)
    parser.add_argument("--network", default="127.190.0.0/16")
    parser.add_argument("--timeout", type=float, default=7200.0, help="per command, seconds")
    parser.add_argument("--json", type=Path, default=None, help="write every run here")
    parser.add_argument("--work", type=Path, default=None, help="keep lab state and logs here")
    args = parser.parse_args()
    province = args.province.resolve()
    slug = _slug(province)
    if args.cli_runner == "auto":
        args.cli_runner = "communet" if cli_available() else "apply_all"
    work = args.work or Path(tempfile.mkdtemp(prefix="communet-provision-"))
    work.mkdir(parents=True, exist_ok=True)
    ctx = Context(province, slug, work.resolve(), args)
    meter = Meter(ctx.work)
    info = machine(args)
    info["load average at start"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    info["cli runner"] = (
        "communet apply" if args.cli_runner == "communet" else "bench/provision_cli.py"
    )
    print(f"provision bench: {province.name} ({slug}), work dir {ctx.work}", flush=True)
    print(f"CPU measured with {meter.method}", flush=True)
    paths = select_paths(args, info)
    runs: list[Run] = []
    for repeat in range(1, args.repeat + 1):
        for name, command, count in paths:
            runs += run_path(ctx, meter, name=name, repeat=repeat, command=command, count=count)
    if getattr(args, "peer_render", None):
        info["peer configs"] = json.dumps(args.peer_render)
    text = report(
        f"{province.name} ({len(runs) and max(r.devices for r in runs)} devices)",
        runs,
        info,
        meter.method,
    )
    print()
    print(text)
    if args.json:
        args.json.write_text(
            json.dumps({"machine": info, "runs": [asdict(r) for r in runs]}, indent=1), "utf-8"
        )
    return 0


def _slug(province: Path) -> str:
    for row in (province / "province.yml").read_text("utf-8").splitlines():
        if row.startswith("slug:"):
            return row.split(":", 1)[1].strip()
    return province.name


if __name__ == "__main__":
    sys.exit(main())
