"""``python -m communet.lab serve INVENTORY``: the lab as a foreground process.

``communet lab up`` starts this detached; it writes ``lab.json`` (the overlay), ``known_hosts``
and ``lab.pid`` into the state directory and stops on SIGTERM / SIGINT.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path
from types import FrameType

from communet.lab.icmp import namespaces_available, prepare_namespace
from communet.lab.runtime import (
    DEFAULT_NETWORK,
    Lab,
    credentials_from_environment,
    specs_from_inventory,
)
from communet.lab.services import services_from_inventory

IN_NETNS = "COMMUNET_LAB_IN_NETNS"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m communet.lab")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run a lab in the foreground")
    serve.add_argument("inventory", type=Path)
    serve.add_argument("--scale", type=int, default=1)
    serve.add_argument("--network", default=DEFAULT_NETWORK)
    serve.add_argument("--port", type=int, default=0)
    serve.add_argument("--state-dir", type=Path, default=Path(".lab"))
    serve.add_argument(
        "--netns",
        action="store_true",
        help="run in a user+network namespace and answer ICMP with link impairment",
    )
    args = parser.parse_args(argv)
    if args.netns and os.environ.get(IN_NETNS) != "1":
        if not namespaces_available():
            print(
                "lab: user + network namespaces are unavailable here ('unshare -rn' failed); "
                "run without --netns (the kernel then answers every ping, unimpaired)",
                file=sys.stderr,
            )
            return 2
        command = [sys.executable, "-m", "communet.lab", *(argv or sys.argv[1:])]
        os.execvpe("unshare", ["unshare", "-rn", *command], {**os.environ, IN_NETNS: "1"})  # noqa: S606
    if args.netns:
        prepare_namespace()
    lab = Lab(
        specs_from_inventory(args.inventory, args.scale),
        credentials=credentials_from_environment(args.inventory),
        network=args.network,
        port=args.port,
        state_dir=args.state_dir,
        icmp=args.netns,
        # network mode also stands in for the province's MCU/registrar and NTP servers
        services=services_from_inventory(args.inventory) if args.netns else (),
    )

    def stop(signum: int, frame: FrameType | None) -> None:
        lab.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    lab.start()
    pid_file = args.state_dir / "lab.pid"
    pid_file.write_text(f"{os.getpid()}\n", encoding="ascii")
    print(
        f"lab: {len(lab.devices)} devices on port {lab.port} in {lab.started_in:.2f} s",
        flush=True,
    )
    try:
        lab.serve_forever()
    finally:
        pid_file.unlink(missing_ok=True)
        (args.state_dir / "control.sock").unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
