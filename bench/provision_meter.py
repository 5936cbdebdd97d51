"""Wall and CPU of a command including every process it starts (helper of bench/provision.py).

Ansible's ``ansible-connection`` daemons double-fork away from ansible-playbook, so the
rusage of the children misses them. Each measured command therefore runs in a cgroup of its
own when one can be made (cgroup v1 ``cpuacct``, else v2), and the cgroup's CPU counter is
read after the command and everything left in the cgroup has exited. Without a writable cgroup
the bench becomes a child subreaper (``PR_SET_CHILD_SUBREAPER``): orphans are re-parented to it,
reaped by it, and their CPU lands in its ``RUSAGE_CHILDREN`` (exact, no sampling).
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
PR_SET_CHILD_SUBREAPER = 36


@dataclass(frozen=True)
class Usage:
    returncode: int
    wall: float
    user: float
    system: float
    stdout: str
    stderr: str

    @property
    def cpu(self) -> float:
        return self.user + self.system


def process_cpu(pid: int) -> float:
    """utime + stime of one running process (all its threads), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


class Meter:
    """Runs commands and measures them; :attr:`method` says how."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.count = 0
        self.root: Path | None = None
        self.version = 0
        for root, version in ((Path("/sys/fs/cgroup/cpuacct"), 1), (Path("/sys/fs/cgroup"), 2)):
            probe = root / f"communet-bench-{os.getpid()}-probe"
            stat = "cpuacct.usage" if version == 1 else "cpu.stat"
            try:
                probe.mkdir()
            except OSError:
                continue
            usable = (probe / stat).exists() and (probe / "cgroup.procs").exists()
            probe.rmdir()
            if usable:
                self.root, self.version = root, version
                break
        if self.root is None:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)

    @property
    def method(self) -> str:
        if self.root is None:
            return "child subreaper + RUSAGE_CHILDREN (no writable cgroup)"
        kind = "v1 cpuacct" if self.version == 1 else "v2 cpu.stat"
        return f"a cgroup per measured command ({kind} under {self.root})"

    def run(
        self, argv: Sequence[str], *, env: Mapping[str, str], cwd: Path, timeout: float
    ) -> Usage:
        self.count += 1
        out = self.work / f"run{self.count}.out"
        err = self.work / f"run{self.count}.err"
        group = None
        if self.root is not None:
            group = self.root / f"communet-bench-{os.getpid()}-{self.count}"
            group.mkdir()
        procs = str(group / "cgroup.procs") if group else ""

        def enter() -> None:  # in the child, before exec
            if procs:
                with open(procs, "w", encoding="ascii") as handle:
                    handle.write(str(os.getpid()))

        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        began = time.perf_counter()
        with out.open("w") as stdout, err.open("w") as stderr:
            proc = subprocess.Popen(
                list(argv),
                env=dict(env),
                cwd=cwd,
                stdout=stdout,
                stderr=stderr,
                preexec_fn=enter,  # noqa: PLW1509 - only writes our pid into our cgroup
            )
            try:
                returncode = proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                returncode = proc.wait()
        wall = time.perf_counter() - began
        if group is not None:
            user, system = self._drain_cgroup(group)
        else:
            self._reap_orphans()
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            user = after.ru_utime - before.ru_utime
            system = after.ru_stime - before.ru_stime
        return Usage(returncode, wall, user, system, out.read_text(), err.read_text())

    def _drain_cgroup(self, group: Path, grace: float = 60.0) -> tuple[float, float]:
        """Wait for what the command left behind (persistent connections), then read."""
        deadline = time.monotonic() + grace
        while (group / "cgroup.procs").read_text().split() and time.monotonic() < deadline:
            time.sleep(0.2)
        for pid in (group / "cgroup.procs").read_text().split():
            os.kill(int(pid), signal.SIGKILL)  # only processes of this measured command
        while (group / "cgroup.procs").read_text().split():
            time.sleep(0.05)
        if self.version == 1:
            fields = dict(
                line.split() for line in (group / "cpuacct.stat").read_text().splitlines()
            )
            total = int((group / "cpuacct.usage").read_text()) / 1e9
            ticks_user, ticks_system = int(fields["user"]), int(fields["system"])
            share = ticks_user / max(1, ticks_user + ticks_system)
            user, system = total * share, total * (1 - share)
        else:
            fields = dict(line.split() for line in (group / "cpu.stat").read_text().splitlines())
            user = int(fields["user_usec"]) / 1e6
            system = int(fields["system_usec"]) / 1e6
        group.rmdir()
        return user, system

    def _reap_orphans(self, grace: float = 60.0) -> None:
        """As subreaper: wait for re-parented descendants (not the lab) to exit and reap them."""
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0 and not self._orphans():
                return
            if pid == 0:
                time.sleep(0.2)

    def _orphans(self) -> list[int]:
        mine = str(os.getpid())
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if fields[1] == mine and not (entry / "cmdline").read_text().count("communet.lab"):
                found.append(int(entry.name))
        return found
