"""Run inside ``unshare -rn``: a lab of the whole Thanh Hóa province (549 communes, 2,248
devices) that answers ICMP with link impairment and stands in for the province's MCU/registrar
and NTP servers, set to its intended config, then the real ``communet`` CLI against it.

``python netns_readiness.py OUT_DIR`` writes results.json (and the CLI's files) into OUT_DIR;
not a test module (test_lab.py runs it). The measurements go through real sockets: the probes'
one ICMP socket, SSH sessions of the plan engine, xAPI sessions to the codecs, TCP connects,
NTP queries.

Setting the lab to its intended config: converging 2,248 devices over SSH takes ~2 minutes
(bench/readiness.py does that), too long for the suite. Here each device's intended config
(communet's renderer) is typed line by line into the lab device's own CLI engine in-process,
the lines a technician or the session layer would type, without the transport; every line
the engine refuses is recorded (the test requires none). Whether that reached the intended
config is then judged by the real plan engine over SSH, in the readiness run itself: every
device not deliberately drifted must compare clean.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import netmiko

from communet.converge import typed_lines
from communet.inventory import load_inventory
from communet.inventory.loader import LoadedInventory
from communet.lab import Lab
from communet.lab.core import Device
from communet.lab.icmp import prepare_namespace
from communet.lab.ios import IosDevice
from communet.lab.runtime import specs_from_inventory
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


def type_plans(loaded: LoadedInventory, devices: dict[str, Device]) -> list[str]:
    """Converge every lab device without the transport: its running config from its own CLI,
    the real planner's commands to its intended config (communet's renderer), typed line by
    line into its CLI (configuration mode, then save). Returns the lines a device refused."""
    secrets = EnvVaultResolver(vault=VAULT)
    plans = {p.province.slug: p for p in loaded.plans}
    refused: list[str] = []
    for device in loaded.devices:
        engine = devices.get(device.hostname)
        if engine is None or not device.managed:
            continue
        intended = render_device(plans[device.province], device, secrets).text
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
        if not plan.changed:
            continue
        if isinstance(engine, IosDevice):
            before, after = ["configure terminal"], ["end", "write memory"]
        elif isinstance(engine, VrpDevice):
            before = ["system-view"]
            after = ["commit", "return"] if engine.v8 else ["return"]
        else:
            before, after = [], []
        for line in [*before, *typed_lines(plan.commands), *after]:
            answer = shell.execute(line).text
            if REFUSED.search(answer):
                refused.append(f"{device.hostname}: {line!r} -> {answer.strip()[-120:]}")
    return refused


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
    with Lab(specs, state_dir=state, icmp=True, services=services) as lab:
        began = time.monotonic()
        result["refused"] = lab.call(lambda: type_plans(loaded, lab.devices), timeout=600)
        result["set_intended_seconds"] = time.monotonic() - began
        common = ["--inventory", str(PROVINCE), "--lab", str(state), "--secrets", str(vault)]
        # A healthy commune first: the on-site check, timed.
        result["check_healthy"] = cli(out, "check", HEALTHY, *common)
        result["check_healthy_vi"] = cli(
            out, "--lang", "vi", "check", HEALTHY, *common, "--seconds", "2", "--no-drift"
        )
        result["check_healthy_json"] = cli(
            out, "check", HEALTHY, *common, "--seconds", "2", "--json"
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
        result["readiness_plain"] = cli(
            out, "--lang", "vi", "readiness", DRIFTED, UNREGISTERED, *common, "--seconds", "2"
        )
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
        result["readiness_tty"] = cli_tty(out, tty)
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
        result["check_services"] = cli(
            out, "check", HEALTHY, *common, "--seconds", "2", "--no-drift"
        )
        result["check_services_vi"] = cli(
            out, "--lang", "vi", "check", HEALTHY, *common, "--seconds", "2", "--no-drift"
        )
    (out / "results.json").write_text(json.dumps(result, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
