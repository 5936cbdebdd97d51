"""A device that drops the SSH handshake is reported as that host's error only: paramiko's
own log record of it never reaches stderr (under Ansible a worker writing to stderr gets a
[WARNING] on the run; on the CLI it would be a traceback among the progress lines)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
import socket, threading
from pathlib import Path
from communet.connect import Reach, netmiko_connector
from communet.inventory import load_inventory
from communet.secrets import EnvVaultResolver
from communet.session.netmiko_session import Timeouts
server = socket.socket(); server.bind(("127.0.0.9", 0)); server.listen(5)
def serve():
    while True:
        peer, _ = server.accept(); peer.send(b"x"); peer.close()
threading.Thread(target=serve, daemon=True).start()
known = Path({known!r}); known.write_text("")
device = next(d for d in load_inventory(Path({demo!r})).devices if d.hostname == "dinh-hai-sw1")
secrets = EnvVaultResolver(
    environ=dict(COMMUNET_USERNAME="u", COMMUNET_PASSWORD="p", COMMUNET_ENABLE="e")
)
port = server.getsockname()[1]
connect = netmiko_connector(lambda d: Reach("127.0.0.9", port, known), secrets, Timeouts(2.0))
try:
    connect(device)
except Exception as error:
    print(type(error).__name__, error)
"""


def test_a_dropped_handshake_prints_nothing_on_stderr(tmp_path: Path) -> None:
    demo = Path(__file__).resolve().parents[1] / "inventory" / "demo"
    code = SCRIPT.format(known=str(tmp_path / "known_hosts"), demo=str(demo))
    process = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert process.stderr == ""
    assert process.stdout.startswith("UnreachableError dinh-hai-sw1: the SSH handshake with ")
    # the peer's close can reach paramiko as a reset ("...banner[Errno 104] Connection reset
    # by peer") when the machine is busy: the same failure, worded by the kernel
    assert "failed: Error reading SSH protocol banner" in process.stdout
