"""Run inside ``unshare -rn``: a lab of one Thanh Hóa district that answers ICMP with link
impairment, converged to its intended config, then the real ``communet`` CLI against it.

``python netns_readiness.py OUT_DIR`` writes results.json (and the CLI's files) into OUT_DIR;
not a test module (test_lab.py runs it). Everything goes through real sockets: the probes'
one ICMP socket, SSH sessions of the plan engine, xAPI sessions to the codecs.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import netmiko

from communet.apply import Options, apply_all
from communet.connect import lab_overlay, netmiko_connector
from communet.inventory import load_inventory
from communet.lab import Lab
from communet.lab.icmp import prepare_namespace
from communet.lab.runtime import specs_from_inventory
from communet.secrets import EnvVaultResolver

REPO = Path(__file__).resolve().parents[2]
PROVINCE = REPO / "inventory" / "thanh-hoa"
DISTRICT = "vinh-loc"  # 13 communes, one of them called Vĩnh Lộc
VAULT = {"snmp_user": "communet", "snmp_auth_key": "lab-auth-key", "snmp_priv_key": "lab-priv-key"}
ENVIRON = {"COMMUNET_USERNAME": "admin", "COMMUNET_PASSWORD": "lab", "COMMUNET_ENABLE": "lab"}
HEALTHY = "vinh-hung-15367"
COMMUNET = Path(sys.executable).with_name("communet")

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


def main(out: Path) -> None:
    prepare_namespace()
    os.environ.update(ENVIRON)
    loaded = load_inventory(PROVINCE)
    devices = [d for d in loaded.devices if d.district == DISTRICT]
    names = {d.hostname for d in devices}
    specs = [s for s in specs_from_inventory(PROVINCE) if s.hostname in names]
    state = out / "lab"
    vault = out / "vault.yml"
    vault.write_text("".join(f"vault_{k}: {v}\n" for k, v in VAULT.items()), encoding="utf-8")
    result: dict[str, Any] = {"district": DISTRICT, "devices": len(specs)}
    with Lab(specs, state_dir=state, icmp=True) as lab:
        began = time.monotonic()
        secrets = EnvVaultResolver(vault=VAULT)
        converged = apply_all(
            loaded,
            devices,
            secrets,
            netmiko_connector(lab_overlay(state), secrets),
            Options(workers=20, processes=1, verify_reconnect=False),
        )
        result["converge_failed"] = [r.hostname for r in converged if r.failed]
        result["converge_seconds"] = time.monotonic() - began
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
            DISTRICT,
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
    (out / "results.json").write_text(json.dumps(result, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
