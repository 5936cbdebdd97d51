"""``make demo``: provision the demo province in the embedded lab, the way provincial IT would.

1. validate the inventory; 2. start the lab (every device on its own 127.x address);
3. ``ansible-playbook playbooks/site.yml`` (changes shown); 4. run it again (changed=0
everywhere); 5. the audit playbook (check + diff); 6. the same audit through the CLI;
7. a summary; the lab is stopped whatever happens. Each step is the real command a user would
type, printed before it runs. Nothing leaves 127.0.0.0/8.
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

BIN = Path(sys.executable).parent
STATE = Path(os.environ.get("COMMUNET_DEMO_STATE", ".lab/demo"))
RECAP = re.compile(
    r"^(?P<host>\S+)\s+:\s+ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+).*?failed=(?P<failed>\d+)"
)


def step(title: str, argv: list[str], env: dict[str, str] | None = None) -> str:
    print(f"\n=== {title}\n$ {shlex.join(argv)}", flush=True)
    began = time.monotonic()
    process = subprocess.run(argv, env=env, text=True, capture_output=True, check=False)
    print(process.stderr, end="", file=sys.stderr, flush=True)  # progress, warnings
    print(process.stdout, end="", flush=True)
    print(f"({time.monotonic() - began:.1f} s)", flush=True)
    if process.returncode != 0:
        raise SystemExit(f"step failed ({process.returncode}): {shlex.join(argv)}")
    return process.stdout


def recap(output: str) -> dict[str, tuple[int, int]]:
    """host → (changed, failed) from an ansible-playbook PLAY RECAP."""
    found = {}
    for line in output.splitlines():
        match = RECAP.match(line.strip())
        if match:
            found[match["host"]] = (int(match["changed"]), int(match["failed"]))
    return found


def lab_environment() -> dict[str, str]:
    overlay = json.loads((STATE / "lab.json").read_text("utf-8"))
    return {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "COMMUNET_LAB": str(STATE.resolve()),
        "COMMUNET_BACKUP_DIR": str((STATE / "backups").resolve()),
        # The lab's well-known login; production exports real values (or uses a vault).
        "COMMUNET_USERNAME": overlay["username"],
        "COMMUNET_PASSWORD": overlay["password"],
        "COMMUNET_ENABLE": overlay["enable"],
    }


def write_demo_secrets() -> Path:
    """SNMPv3 keys for the demo, in the one secrets file format (vault_NAME: value) that
    ansible-playbook reads with -e @FILE and communet with --secrets FILE; in production it
    is an ansible-vault encrypted file."""
    values = {"snmp_user": "noc", "snmp_auth_key": "DemoAuth2024", "snmp_priv_key": "DemoPriv2024"}
    path = STATE / "secrets-demo.yml"
    path.write_text("".join(f"vault_{k}: {v}\n" for k, v in values.items()), "utf-8")
    path.chmod(0o600)
    return path


def main() -> None:
    communet = str(BIN / "communet")
    playbook = str(BIN / "ansible-playbook")
    step("Validate the demo province", [communet, "inventory", "validate", "inventory/demo"])
    step(
        "Start the embedded lab: every device on its own 127.x address",
        [communet, "lab", "up", "inventory/demo", "--state-dir", str(STATE)],
    )
    try:
        env = lab_environment()
        secrets = write_demo_secrets()
        site = [playbook, "playbooks/site.yml", "-e", f"@{secrets}", "-f", "20"]
        first = recap(step("Provision every device (ansible-playbook site.yml)", site, env))
        second = recap(step("Run it again: nothing left to change", site, env))
        audit = [playbook, "playbooks/audit.yml", "-e", f"@{secrets}", "-f", "20"]
        step("Audit: check mode with diff over the whole province", audit, env)
        step(
            "The same audit from the technicians' CLI",
            [
                communet,
                "plan",
                "demo",
                "--inventory",
                "inventory/demo",
                "--lab",
                str(STATE),
                "--secrets",
                str(secrets),
            ],
            env,
        )
    finally:
        subprocess.run([communet, "lab", "down", "--state-dir", str(STATE)], check=False)
    summarize(first, second)


def summarize(first: dict[str, tuple[int, int]], second: dict[str, tuple[int, int]]) -> None:
    changed_first = sum(1 for changed, _ in first.values() if changed)
    failed = [h for h, (_, f) in {**first, **second}.items() if f]
    changed_again = [h for h, (changed, _) in second.items() if changed]
    print("\n=== Summary")
    print(f"first run:  {changed_first} of {len(first)} hosts changed")
    print(f"second run: {len(changed_again)} of {len(second)} hosts changed")
    print(f"failed:     {', '.join(failed) or 'none'}")
    if failed or changed_again or not changed_first:
        raise SystemExit("the demo did not converge cleanly")


if __name__ == "__main__":
    main()
