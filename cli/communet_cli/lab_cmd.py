"""``communet lab up|status|down|fault|reboot``: a simulated province on 127.x addresses.

``lab up`` starts ``python -m communet.lab serve`` detached; the lab writes its overlay
(``lab.json``: hostname → 127.x address, port, lab credentials), ``known_hosts`` (the lab's
SSH host key for every address) and ``lab.pid`` into the state directory. The inventory's
real addresses are never touched.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import click

STATE_DIR = click.option(
    "--state-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path(".lab"),
    show_default=True,
    help="Where the lab keeps lab.json (overlay), known_hosts, lab.pid and its log.",
)


def _pid(state: Path) -> int | None:
    try:
        pid = int((state / "lab.pid").read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    return pid


def _overlay(state: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads((state / "lab.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise click.ClickException(
            f"no lab overlay in {state}/lab.json ({error}); start one with 'communet lab up'"
        ) from error
    return data


def control(state: Path, request: dict[str, Any]) -> dict[str, Any]:
    """Send one request to a running lab's control socket."""
    path = state / "control.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(30)
        try:
            sock.connect(str(path))
        except OSError as error:
            raise click.ClickException(
                f"no lab is running for {state} ({error}); start one with 'communet lab up'"
            ) from error
        sock.sendall(json.dumps(request).encode() + b"\n")
        data = b""
        while not data.endswith(b"\n"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    answer: dict[str, Any] = json.loads(data or b"{}")
    if not answer.get("ok"):
        raise click.ClickException(str(answer.get("error", "the lab refused the request")))
    return answer


@click.group()
def lab() -> None:
    """Run a simulated province: every device on its own 127.x.y.z address."""


@lab.command()
@click.argument("inventory", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option(
    "--scale",
    type=click.IntRange(1, 1000),
    default=1,
    show_default=True,
    help="Copies of every device (copy k is named <hostname>-x<k>), for load tests.",
)
@click.option(
    "--network",
    default="127.100.0.0/16",
    show_default=True,
    help="Loopback network the lab numbers devices from (inside 127.0.0.0/8).",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    help="SSH port shared by every device (default: a free port).",
)
@click.option(
    "--timeout",
    type=float,
    default=60.0,
    show_default=True,
    help="Seconds to wait for the lab to start.",
)
@click.option(
    "--netns",
    is_flag=True,
    help="Run in a user+network namespace that answers ICMP with link impairment; "
    "clients then run inside it ('communet lab exec -- CMD').",
)
@STATE_DIR
def up(
    *,
    inventory: Path,
    scale: int,
    network: str,
    port: int,
    timeout: float,
    netns: bool,
    state_dir: Path,
) -> None:
    """Start a lab for INVENTORY in the background."""
    pid = _pid(state_dir)
    if pid is not None:
        raise click.ClickException(
            f"a lab is already running for {state_dir} (pid {pid}); 'communet lab down' first"
        )
    state_dir.mkdir(parents=True, exist_ok=True)
    (state_dir / "lab.json").unlink(missing_ok=True)
    log = (state_dir / "lab.log").open("w", encoding="utf-8")
    argv = [
        sys.executable,
        "-m",
        "communet.lab",
        "serve",
        str(inventory),
        "--scale",
        str(scale),
        "--network",
        network,
        "--port",
        str(port),
        "--state-dir",
        str(state_dir),
        *(["--netns"] if netns else []),
    ]
    process = subprocess.Popen(
        argv,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            text = (state_dir / "lab.log").read_text(encoding="utf-8")
            raise click.ClickException(f"the lab did not start:\n{text.strip()}")
        if (state_dir / "lab.pid").exists() and (state_dir / "lab.json").exists():
            break
        time.sleep(0.05)
    else:
        process.terminate()
        raise click.ClickException(f"the lab did not start within {timeout:g} s")
    overlay = _overlay(state_dir)
    click.echo(
        f"lab up: {len(overlay['devices'])} devices on port {overlay['port']} "
        f"(pid {process.pid})\n"
        f"  overlay:     {state_dir / 'lab.json'}\n"
        f"  known_hosts: {overlay['known_hosts']}\n"
        f"  login:       {overlay['username']} / {overlay['password']}"
        f" (enable: {overlay['enable']})"
    )


@lab.command()
@click.option("--json", "as_json", is_flag=True, help="Print the overlay as JSON.")
@STATE_DIR
def status(as_json: bool, state_dir: Path) -> None:
    """Show whether a lab runs and where each device is."""
    pid = _pid(state_dir)
    overlay = _overlay(state_dir)
    if as_json:
        click.echo(json.dumps({"running": pid is not None, "pid": pid, **overlay}, indent=1))
        return
    if pid is None:
        click.echo(f"lab down (last overlay: {state_dir / 'lab.json'})")
    else:
        live = control(state_dir, {"op": "status"})
        click.echo(
            f"lab running (pid {pid}): {live['devices']} devices on port {live['port']}, "
            f"{live['sessions']} open sessions"
        )
    for hostname, device in sorted(overlay["devices"].items()):
        click.echo(
            f"  {hostname:<40} {device['address']:>15}:{overlay['port']:<6} {device['platform']}"
        )


@lab.command()
@STATE_DIR
def down(state_dir: Path) -> None:
    """Stop the lab."""
    pid = _pid(state_dir)
    if pid is None:
        click.echo("no lab running")
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and _pid(state_dir) == pid:
        time.sleep(0.05)
    click.echo(f"lab down (pid {pid} stopped)")


@lab.command()
@click.argument("hostname", required=False)
@click.option("--commune", "site", help="Every device of this commune (or hub) slug instead.")
@click.option("--down/--up", "down_", default=None, help="Stop answering (clients time out).")
@click.option("--auth-failure/--auth-ok", default=None, help="Refuse every password.")
@click.option("--delay", type=float, default=None, help="Seconds before each reply.")
@click.option("--reject", multiple=True, help="Answer this command with the device's error.")
@click.option("--drop-after", type=int, default=None, help="Close sessions after N lines.")
@click.option("--link-down/--link-up", default=None, help="ICMP: drop every echo request.")
@click.option("--loss", type=click.FloatRange(0, 100), default=None, help="ICMP loss in %.")
@click.option("--latency", type=float, default=None, help="ICMP: ms added to every reply.")
@click.option("--jitter", type=float, default=None, help="ICMP: ± ms of uniform jitter.")
@click.option("--clear", is_flag=True, help="Remove every fault first.")
@STATE_DIR
def fault(
    *,
    hostname: str | None,
    site: str | None,
    down_: bool | None,
    auth_failure: bool | None,
    delay: float | None,
    reject: tuple[str, ...],
    drop_after: int | None,
    link_down: bool | None,
    loss: float | None,
    latency: float | None,
    jitter: float | None,
    clear: bool,
    state_dir: Path,
) -> None:
    """Inject faults into HOSTNAME (or every device of --commune)."""
    if (hostname is None) == (site is None):
        raise click.UsageError("give either HOSTNAME or --commune SLUG")
    target: dict[str, Any] = {"site": site} if site else {"host": hostname}
    if clear:
        control(state_dir, {"op": "clear", **target})
    changes: dict[str, Any] = {}
    if down_ is not None:
        changes["down"] = down_
    if auth_failure is not None:
        changes["auth_failure"] = auth_failure
    if delay is not None:
        changes["delay"] = delay
    if reject:
        changes["reject"] = list(reject)
    if drop_after is not None:
        changes["drop_after_lines"] = drop_after
    if link_down is not None:
        changes["link_down"] = link_down
    if loss is not None:
        changes["loss"] = loss / 100
    if latency is not None:
        changes["latency"] = latency / 1000
    if jitter is not None:
        changes["jitter"] = jitter / 1000
    if changes:
        control(state_dir, {"op": "fault", **target, "changes": changes})
    click.echo(f"{hostname or site}: faults {'cleared' if clear else ''} {changes or ''}".strip())


@lab.command()
@click.argument("hostname")
@click.option("--factory", is_flag=True, help="Factory reset instead of a reboot.")
@STATE_DIR
def reboot(hostname: str, factory: bool, state_dir: Path) -> None:
    """Reboot HOSTNAME (unsaved changes are lost) or reset it to factory state."""
    control(state_dir, {"op": "factory-reset" if factory else "reboot", "host": hostname})
    click.echo(f"{hostname}: {'factory reset' if factory else 'rebooted'}")


@lab.command("load-config")
@click.argument("hostname")
@click.argument("config", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@STATE_DIR
def load_config(hostname: str, config: Path, state_dir: Path) -> None:
    """Give HOSTNAME a brownfield configuration (running and saved) from a file."""
    text = config.read_text(encoding="utf-8")
    control(state_dir, {"op": "load-config", "host": hostname, "text": text})
    click.echo(f"{hostname}: configuration loaded from {config}")


@lab.command()
@click.argument("hostname")
@click.option(
    "--configured",
    is_flag=True,
    help="Keep HOSTNAME's configuration: the console asks the login its config sets "
    "(brownfield) instead of the factory dialog.",
)
@STATE_DIR
def console(hostname: str, configured: bool, state_dir: Path) -> None:
    """Put HOSTNAME on a serial console (factory state unless --configured); print its pty."""
    answer = control(state_dir, {"op": "console", "host": hostname, "configured": configured})
    state = "as configured" if configured else "factory state"
    click.echo(f"{hostname}: {state} on serial console {answer['path']}")


@lab.command(name="exec", context_settings={"ignore_unknown_options": True})
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
@STATE_DIR
def exec_(command: tuple[str, ...], state_dir: Path) -> None:
    """Run COMMAND inside the lab's network namespace (a lab started with --netns)."""
    overlay = _overlay(state_dir)
    pid = _pid(state_dir)
    if not overlay.get("icmp") or pid is None:
        raise click.ClickException(
            "no lab with --netns is running; the lab's addresses are reachable from here directly"
        )
    argv = ["nsenter", "-t", str(pid), "-U", "-n", "--preserve-credentials", *command]
    raise SystemExit(subprocess.call(argv))
