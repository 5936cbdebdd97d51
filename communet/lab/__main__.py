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

from communet.lab.runtime import DEFAULT_NETWORK, Lab, specs_from_inventory


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m communet.lab")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run a lab in the foreground")
    serve.add_argument("inventory", type=Path)
    serve.add_argument("--scale", type=int, default=1)
    serve.add_argument("--network", default=DEFAULT_NETWORK)
    serve.add_argument("--port", type=int, default=0)
    serve.add_argument("--state-dir", type=Path, default=Path(".lab"))
    args = parser.parse_args(argv)
    lab = Lab(
        specs_from_inventory(args.inventory, args.scale),
        network=args.network,
        port=args.port,
        state_dir=args.state_dir,
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
