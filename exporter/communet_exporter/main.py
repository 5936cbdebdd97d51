"""``communet-exporter``: the NOC's Prometheus exporter for a province (or a hub's shard).

Every problem a user can cause ends the program with ONE line on stderr,
``communet-exporter: <what> ...``, and exit status 2 (bad flag) or 1 (everything else).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from communet.probe.icmp import IcmpUnavailableError
from communet.probe.tcp import SERVICES
from communet_exporter.app import Exporter, Settings
from communet_exporter.targets import (
    ConfigError,
    Reach,
    Selection,
    Shard,
    lab_reach,
)
from communet_exporter.web import WebServer
from communet_exporter.webconfig import WebConfig, load_web_config

PROG = "communet-exporter"
DEFAULT_LISTEN = ":9479"
log = logging.getLogger("communet_exporter")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{PROG}: {message} (see {PROG} --help)\n")
        raise SystemExit(2)


_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m|h)?$")


def duration(text: str) -> float:
    """``5s``, ``500ms``, ``1m``, ``2h`` or plain seconds (``0.02``)."""
    match = _DURATION.match(text.strip())
    if match is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration (e.g. 5s, 500ms, 1m)")
    value = (
        float(match.group(1)) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600, None: 1}[match.group(2)]
    )
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be longer than zero")
    return value


def services(text: str) -> tuple[str, ...]:
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    for name in names:
        if name not in SERVICES:
            raise argparse.ArgumentTypeError(
                f"unknown service {name!r}; known: {', '.join(SERVICES)}"
            )
    return names


def parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog=PROG,
        description="Probe every device of a communet inventory (ICMP loss/RTT/jitter, SNMP "
        "uptime and WAN state, codec registration) and expose it to Prometheus.",
    )
    p.add_argument("--inventory", type=Path, required=True, help="inventory directory")
    p.add_argument("--scope", help="only this province, district/hub, commune or hostname")
    p.add_argument("--hub", "--district", dest="hub", help="only the devices of this hub")
    p.add_argument("--shard", help="i/n: only the i-th of n stable shards of the devices")
    p.add_argument("--lab", type=Path, metavar="STATE_DIR", help="probe a running lab")
    p.add_argument("--known-hosts", type=Path, help="SSH known_hosts for the codecs")
    p.add_argument(
        "--secrets",
        type=Path,
        metavar="FILE",
        help="YAML 'vault_NAME: value' lines for the inventory's vault:NAME references "
        "(the CLI's and ansible-playbook -e @FILE's format)",
    )
    # the exporter's former own format: say what replaced it instead of "unrecognized"
    p.add_argument("--vault-vars", dest="vault_vars", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--web.listen-address", dest="listen", default=DEFAULT_LISTEN)
    p.add_argument("--web.config.file", dest="web_config", type=Path)
    p.add_argument("--icmp.interval", dest="icmp_interval", type=duration, default=5.0)
    p.add_argument(
        "--icmp.timeout",
        dest="icmp_timeout",
        type=duration,
        help="seconds to wait for a reply (default: 2s, or 80%% of a shorter interval)",
    )
    p.add_argument(
        "--icmp.socket", dest="icmp_socket", choices=("auto", "dgram", "raw"), default="auto"
    )
    p.add_argument("--snmp.interval", dest="snmp_interval", type=duration, default=60.0)
    p.add_argument("--snmp.timeout", dest="snmp_timeout", type=duration, default=2.0)
    p.add_argument("--codec.interval", dest="codec_interval", type=duration, default=60.0)
    p.add_argument("--tcp.interval", dest="tcp_interval", type=duration, default=60.0)
    p.add_argument("--tcp.timeout", dest="tcp_timeout", type=duration, default=3.0)
    p.add_argument(
        "--tcp.services",
        dest="tcp_services",
        type=services,
        default=(),
        help=f"comma-separated, of: {', '.join(SERVICES)} (default: none)",
    )
    p.add_argument(
        "--config.check",
        dest="check",
        action="store_true",
        help="load inventory, secrets and web config, print what would be probed, exit",
    )
    p.add_argument(
        "--log.level",
        dest="log_level",
        default="info",
        choices=("debug", "info", "warning", "error"),
    )
    return p


def listen_address(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ConfigError(f"--web.listen-address {text!r}: write it as [host]:port, e.g. :9479")
    return host.strip("[]"), int(port)


def settings_from(args: argparse.Namespace) -> Settings:
    if args.icmp_timeout is None:
        args.icmp_timeout = min(2.0, args.icmp_interval * 0.8)
    if args.icmp_timeout >= args.icmp_interval:
        raise ConfigError(
            f"--icmp.timeout {args.icmp_timeout:g}s must be shorter than "
            f"--icmp.interval {args.icmp_interval:g}s"
        )
    if args.known_hosts is not None and not args.known_hosts.is_file():
        raise ConfigError(f"--known-hosts {args.known_hosts}: no such file")
    if args.vault_vars is not None:
        raise ConfigError(
            "--vault-vars was replaced by --secrets FILE, the project's one secrets format: "
            "write each name as 'vault_NAME: value' (e.g. vault_snmp_user: ...)"
        )
    reach = lab_reach(args.lab) if args.lab else Reach(known_hosts=args.known_hosts)
    return Settings(
        inventory=args.inventory,
        selection=Selection(
            scope=args.scope,
            hub=args.hub,
            shard=Shard.parse(args.shard) if args.shard else None,
        ),
        reach=reach,
        secrets=args.secrets,
        icmp_interval=args.icmp_interval,
        icmp_timeout=args.icmp_timeout,
        icmp_socket=args.icmp_socket,
        snmp_interval=args.snmp_interval,
        snmp_timeout=args.snmp_timeout,
        codec_interval=args.codec_interval,
        tcp_interval=args.tcp_interval,
        tcp_timeout=args.tcp_timeout,
        tcp_services=args.tcp_services,
    )


async def serve(settings: Settings, web: WebConfig, listen: tuple[str, int]) -> None:
    exporter = Exporter(settings)
    targets = await asyncio.to_thread(settings.targets)
    server = WebServer(exporter, web)
    try:
        port = await server.start(*listen)
    except OSError as error:
        raise ConfigError(
            f"--web.listen-address {listen[0]}:{listen[1]}: cannot listen: "
            f"{error.strerror or error}"
        ) from None
    await exporter.start(targets)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()

    reloads: set[asyncio.Task[None]] = set()

    def reload() -> None:
        async def run() -> None:
            try:
                await exporter.reload()
            except ConfigError as error:
                log.error("reload failed, keeping %d targets: %s", len(exporter.ordered), error)

        task = loop.create_task(run())
        reloads.add(task)
        task.add_done_callback(reloads.discard)

    loop.add_signal_handler(signal.SIGHUP, reload)
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    scheme = "https" if web.tls else "http"
    log.info(
        "probing %d targets (%s ICMP socket); listening on %s://%s:%d/metrics",
        len(exporter.ordered),
        exporter.pinger.mode,
        scheme,
        listen[0] or "0.0.0.0",  # noqa: S104 - what the operator asked for
        port,
    )
    await stop.wait()
    await server.stop()
    await exporter.stop()


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(message)s"
    )
    if args.log_level != "debug":  # asyncssh logs every connection at INFO
        logging.getLogger("asyncssh").setLevel(logging.WARNING)
    try:
        settings = settings_from(args)
        web = load_web_config(args.web_config)
        listen = listen_address(args.listen)
        if args.check:
            targets = settings.targets()
            snmp = sum(t.snmp is not None for t in targets)
            codecs = sum(t.codec is not None for t in targets)
            print(
                f"{PROG}: configuration OK: {len(targets)} targets "
                f"({snmp} over SNMP, {codecs} codecs), web: "
                f"{'TLS' if web.tls else 'plain HTTP'}, "
                f"{len(web.users)} basic-auth user(s)"
            )
            return 0
        asyncio.run(serve(settings, web, listen))
    except ConfigError as error:
        sys.stderr.write(f"{PROG}: {error}\n")
        return 1
    except IcmpUnavailableError as error:
        sys.stderr.write(f"{PROG}: {error}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
