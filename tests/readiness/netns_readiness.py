"""Run inside ``unshare -rn``: a lab of the whole Thanh Hóa province (549 communes, 2,248
devices) that answers ICMP with link impairment and stands in for the province's MCU/registrar
and NTP servers, set to its intended config, then the real ``communet`` CLI against it.

``python netns_readiness.py OUT_DIR`` writes results.json (and the CLI's files) into OUT_DIR;
not a test module (test_lab.py runs it). The measurements go through real sockets: the probes'
one ICMP socket, SSH sessions of the plan engine, xAPI sessions to the codecs, TCP connects,
NTP queries.

Setting the lab to its intended config: converging 2,248 devices over SSH takes ~2 minutes
(bench/readiness.py does that), too long for the suite. Here the real planner computes, for
each device, the commands from its factory state (a fresh engine of the lab, as the lab
starts it; one worker process per CPU, before the lab starts) to its intended config
(communet's renderer); they are then typed line by line into the lab device's own CLI
engine in-process, the lines the session layer would type, without the transport; every
line the engine refuses is recorded (the test requires none). Whether that reached the intended
config is then judged by the real plan engine over SSH, in the readiness run itself: every
device not deliberately drifted must compare clean.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import shlex
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import netmiko

from communet.converge import typed_lines
from communet.inventory import load_inventory
from communet.inventory.loader import LoadedInventory
from communet.inventory.resolve import ProvincePlan, ResolvedDevice
from communet.lab import Lab
from communet.lab.core import Device, DeviceSpec
from communet.lab.icmp import prepare_namespace
from communet.lab.ios import IosDevice
from communet.lab.runtime import make_device, specs_from_inventory
from communet.lab.server import Credentials
from communet.lab.services import services_from_inventory
from communet.lab.vrp import VrpDevice
from communet.plan import Context, plan_config
from communet.platforms import get_platform
from communet.render import render_device
from communet.secrets import EnvVaultResolver

REPO = Path(__file__).resolve().parents[2]
PROVINCE = REPO / "inventory" / "thanh-hoa"
SCOPE = "thanh-hoa"  # the whole province: 549 communes
DISTRICT = "vinh-loc"  # where the faults are: 13 communes, one of them called Vĩnh Lộc
VAULT = {"snmp_user": "communet", "snmp_auth_key": "lab-auth-key", "snmp_priv_key": "lab-priv-key"}
ENVIRON = {"COMMUNET_USERNAME": "admin", "COMMUNET_PASSWORD": "lab", "COMMUNET_ENABLE": "lab"}
HEALTHY = "vinh-hung-15367"
COMMUNET = Path(sys.executable).with_name("communet")
REFUSED = re.compile(r"% Invalid|% Incomplete|% Ambiguous|^Error:|^ERROR$", re.MULTILINE)

# The five faults: commune -> what the lab does to every device there.
LOSSY, SLOW, JITTERY, UNREGISTERED, DRIFTED = (
    "vinh-quang",
    "vinh-yen",
    "vinh-tien",
    "vinh-long",
    "vinh-phuc",
)


def cli(out: Path, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    began = time.monotonic()
    done = subprocess.run(
        [str(COMMUNET), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **ENVIRON, "COMMUNET_LOG_DIR": str(out / "logs"), **(env or {})},
        check=False,
        timeout=300,
    )
    return {
        "code": done.returncode,
        "stdout": done.stdout,
        "stderr": done.stderr,
        "seconds": time.monotonic() - began,
    }


def cli_tty(out: Path, command: str) -> dict[str, Any]:
    """``command`` with a terminal as stdout and stderr (script(1) allocates the pty)."""
    env = {**os.environ, **ENVIRON, "COMMUNET_LOG_DIR": str(out / "logs"), "COLUMNS": "200"}
    env.pop("NO_COLOR", None)
    done = subprocess.run(
        ["script", "-qec", command, "/dev/null"],
        capture_output=True,
        text=True,
        env={**env, "TERM": "xterm-256color"},
        check=False,
        timeout=300,
    )
    return {"code": done.returncode, "stdout": done.stdout, "stderr": done.stderr, "seconds": 0}


# What the planning workers read: set before they fork (they inherit it, nothing is pickled).
_PLANNING: list[tuple[ResolvedDevice, DeviceSpec]] = []
_LOADED: list[ProvincePlan] = []


def plan_from_factory(index: int) -> tuple[str, list[str]]:
    """In a worker process: the real planner's commands from the device's factory state (a
    fresh engine, as the lab starts it) to its intended config (communet's renderer)."""
    device, spec = _PLANNING[index]
    plans = {p.province.slug: p for p in _LOADED}
    intended = render_device(plans[device.province], device, EnvVaultResolver(vault=VAULT)).text
    engine = make_device(spec, Credentials())
    shell = engine.open_shell(ENVIRON["COMMUNET_USERNAME"], 15)
    shell.page_length = 0
    syntax = get_platform(device.platform).syntax
    assert syntax is not None
    running = shell.execute(syntax.show_running).text
    mgmt = device.site.vlan("MGMT")
    context = Context(
        mgmt_vlan=mgmt.id if mgmt else 10,
        login_user=ENVIRON["COMMUNET_USERNAME"],
        session_address=str(device.management),
    )
    plan = plan_config(device.hostname, device.platform, running, intended, context)
    return device.hostname, typed_lines(plan.commands) if plan.changed else []


def plan_all(loaded: LoadedInventory, specs: list[DeviceSpec]) -> dict[str, list[str]]:
    """Every device's commands, planned in one worker process per CPU (pure work)."""
    by_name = {s.hostname: s for s in specs}
    _LOADED[:] = loaded.plans
    _PLANNING[:] = [
        (d, by_name[d.hostname]) for d in loaded.devices if d.managed and d.hostname in by_name
    ]
    workers = os.cpu_count() or 1
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        return dict(pool.map(plan_from_factory, range(len(_PLANNING)), chunksize=32))


def type_plans(devices: dict[str, Device], commands: dict[str, list[str]]) -> list[str]:
    """Type each device's planned commands into its own CLI (configuration mode, then save),
    the lines the session layer would type, without the transport; the lines it refused."""
    refused: list[str] = []
    for hostname, lines in commands.items():
        if not lines:
            continue
        engine = devices[hostname]
        shell = engine.open_shell(ENVIRON["COMMUNET_USERNAME"], 15)
        if isinstance(engine, IosDevice):
            before, after = ["configure terminal"], ["end", "write memory"]
        elif isinstance(engine, VrpDevice):
            before = ["system-view"]
            after = ["commit", "return"] if engine.v8 else ["return"]
        else:
            before, after = [], []
        for line in [*before, *lines, *after]:
            answer = shell.execute(line).text
            if REFUSED.search(answer):
                refused.append(f"{hostname}: {line!r} -> {answer.strip()[-120:]}")
    return refused


def together(
    first: Callable[[], dict[str, Any]], second: Callable[[], dict[str, Any]]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Two independent CLI runs at once (read-only checks of the same lab state)."""
    with ThreadPoolExecutor(2) as pool:
        one, two = pool.submit(first), pool.submit(second)
        return one.result(), two.result()


def main(out: Path) -> None:
    prepare_namespace()
    os.environ.update(ENVIRON)
    loaded = load_inventory(PROVINCE)
    specs = specs_from_inventory(PROVINCE)
    state = out / "lab"
    vault = out / "vault.yml"
    vault.write_text("".join(f"vault_{k}: {v}\n" for k, v in VAULT.items()), encoding="utf-8")
    result: dict[str, Any] = {"scope": SCOPE, "devices": len(specs)}
    services = services_from_inventory(PROVINCE)
    began = time.monotonic()
    commands = plan_all(loaded, specs)  # before the lab's threads start: the workers fork
    with Lab(specs, state_dir=state, icmp=True, services=services) as lab:
        result["refused"] = lab.call(lambda: type_plans(lab.devices, commands), timeout=600)
        result["set_intended_seconds"] = time.monotonic() - began
        common = ["--inventory", str(PROVINCE), "--lab", str(state), "--secrets", str(vault)]
        # A healthy commune first: the on-site check, timed.
        result["check_healthy"] = cli(out, "check", HEALTHY, *common)
        result["check_healthy_vi"], result["check_healthy_json"] = together(
            lambda: cli(
                out, "--lang", "vi", "check", HEALTHY, *common, "--seconds", "2", "--no-drift"
            ),
            lambda: cli(out, "check", HEALTHY, *common, "--seconds", "2", "--json"),
        )
        # The five faults.
        lab.set_site_fault(LOSSY, loss=0.05)
        lab.set_site_fault(SLOW, latency=0.2)
        # ±60 ms uniform around 60 ms: consecutive replies differ by 40 ms on average, i.e.
        # an RFC 3550 jitter of 40 ms (E|U1-U2| = 120 ms / 3 for U uniform on [0, 120 ms]).
        lab.set_site_fault(JITTERY, latency=0.06, jitter=0.06)
        codec = next(h for h in lab.site_hosts(UNREGISTERED) if h.endswith("-vc1"))
        lab.load_config(codec, 'xConfiguration SIP Proxy 1 Address: "10.99.99.99"\n')
        switch = next(h for h in lab.site_hosts(DRIFTED) if h.endswith("-sw1"))
        with netmiko.ConnectHandler(**lab.netmiko_params(switch)) as connection:
            connection.enable()
            ntp = loaded.plans[0].province.services.ntp[0]
            result["drift_reply"] = connection.send_config_set([f"no ntp server {ntp}"])
        result["faults"] = {
            "lossy": LOSSY,
            "slow": SLOW,
            "jittery": JITTERY,
            "unregistered": UNREGISTERED,
            "drifted": DRIFTED,
            "codec": codec,
            "switch": switch,
        }
        result["readiness"] = cli(
            out,
            "readiness",
            SCOPE,
            *common,
            "--json",
            "--csv",
            str(out / "matrix.csv"),
            "--html",
            str(out / "matrix.html"),
        )
        plain = [*common, "--seconds", "2"]
        # On a terminal: rich tables (the same two communes, under script(1)'s pty). These
        # two faults do not depend on timing: a short burst suffices.
        tty = " ".join(
            shlex.quote(a)
            for a in [
                str(COMMUNET),
                "readiness",
                DRIFTED,
                UNREGISTERED,
                *common,
                "--seconds",
                "2",
            ]
        )
        result["readiness_plain"], result["readiness_tty"] = together(
            lambda: cli(out, "--lang", "vi", "readiness", DRIFTED, UNREGISTERED, *plain),
            lambda: cli_tty(out, tty),
        )
        # Failure modes of one device: down, then a wrong password.
        down = next(h for h in lab.site_hosts(HEALTHY) if h.endswith("-sw1"))
        lab.set_fault(down, down=True)
        result["down"] = down
        result["check_down"] = cli(out, "check", HEALTHY, *common, "--seconds", "2")
        lab.set_fault(down, down=False)
        result["check_wrong_password"] = cli(
            out,
            "check",
            HEALTHY,
            *common,
            "--seconds",
            "2",
            env={"COMMUNET_PASSWORD": "not-the-password"},
        )
        # A province service stopped and a codec port closed by its configuration: the
        # MCU/registrar refuses connections and no longer answers ping, NTP is silent.
        offered = loaded.plans[0].province.services
        registrar, ntp_server = str(offered.registrars[0].address), str(offered.ntp[0])
        codec = next(h for h in lab.site_hosts(HEALTHY) if h.endswith("-vc1"))
        lab.load_config(codec, "xConfiguration NetworkServices HTTP Mode: Off\n")
        lab.set_service_fault(registrar, down=True)
        lab.set_service_fault(ntp_server, down=True)
        time.sleep(1.5)  # the codec's listeners follow its configuration every second
        result["services"] = {"registrar": registrar, "ntp": ntp_server, "codec": codec}
        result["check_services"], result["check_services_vi"] = together(
            lambda: cli(out, "check", HEALTHY, *common, "--seconds", "2", "--no-drift"),
            lambda: cli(
                out, "--lang", "vi", "check", HEALTHY, *common, "--seconds", "2", "--no-drift"
            ),
        )
    (out / "results.json").write_text(json.dumps(result, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
