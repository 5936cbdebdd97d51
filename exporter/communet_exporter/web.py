"""A small HTTP/1.1 server on the exporter's event loop: /metrics, /-/healthy, /-/ready,
POST /-/reload and a landing page; TLS and basic auth from the web config.

Hand-written on asyncio streams (no web framework dependency): a scrape is one request, and
serving it on the probes' loop means no thread fights the probes for the GIL; the
rendering itself yields to the loop between slices of targets.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import html
import logging
import ssl

from communet_exporter.app import Exporter
from communet_exporter.metrics import CONTENT_TYPE
from communet_exporter.targets import ConfigError
from communet_exporter.webconfig import WebConfig

log = logging.getLogger("communet_exporter")
MAX_HEADER = 16384
REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def landing_page(exporter: Exporter) -> str:
    counts = exporter.target_states()
    rows = "".join(f"<tr><td>{k}</td><td>{v}</td></tr>" for k, v in counts.items())
    inventory = html.escape(str(exporter.settings.inventory))
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>communet exporter</title>"
        "</head><body><h1>communet exporter</h1>"
        f"<p>Inventory: <code>{inventory}</code>, {len(exporter.ordered)} targets.</p>"
        f"<table><tr><th>state</th><th>targets</th></tr>{rows}</table>"
        "<ul><li><a href='metrics'>Metrics</a></li><li><a href='-/healthy'>Health</a></li>"
        "<li><a href='-/ready'>Readiness</a></li></ul>"
        "<p>POST /-/reload (or SIGHUP) re-reads the inventory.</p></body></html>\n"
    )


class WebServer:
    def __init__(self, exporter: Exporter, config: WebConfig) -> None:
        self.exporter = exporter
        self.config = config
        self.server: asyncio.Server | None = None

    async def start(self, host: str, port: int) -> int:
        ssl_context: ssl.SSLContext | None = self.config.tls
        self.server = await asyncio.start_server(
            self._client, host or None, port, ssl=ssl_context, limit=MAX_HEADER
        )
        return int(self.server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                keep = await self._request(reader, writer)
                if not keep:
                    break
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        except ssl.SSLError:
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError, ssl.SSLError):
                await writer.wait_closed()

    async def _request(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split()
        if len(parts) != 3:
            await self._send(writer, 400, b"bad request\n", close=True)
            return False
        method, target, version = parts
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0") or 0)
        if length:
            await reader.readexactly(min(length, 1 << 20))
        close = version == "HTTP/1.0" or headers.get("connection", "").lower() == "close"
        if not self._authorised(headers.get("authorization", "")):
            await self._send(
                writer,
                401,
                b"Unauthorized\n",
                extra={"WWW-Authenticate": 'Basic realm="communet-exporter"'},
                close=close,
            )
            return not close
        path = target.split("?", 1)[0]
        status, body, content_type, extra = await self._route(method, path, headers)
        if method == "HEAD":
            extra = {**extra, "Content-Length": str(len(body))}
            body = b""
        await self._send(writer, status, body, content_type, extra, close=close)
        return not close

    def _authorised(self, header: str) -> bool:
        if not self.config.users:
            return True
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            username, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return self.config.authorised(username, password)

    async def _route(  # noqa: PLR0911 - one return per route
        self, method: str, path: str, headers: dict[str, str]
    ) -> tuple[int, bytes, str, dict[str, str]]:
        exporter = self.exporter
        text = "text/plain; charset=utf-8"
        if path == "/metrics" and method in ("GET", "HEAD"):
            exposition = await exporter.exposition()
            if "gzip" in headers.get("accept-encoding", ""):
                gzipped = exporter.gzipped(exposition)
                return 200, gzipped, CONTENT_TYPE, {"Content-Encoding": "gzip"}
            return 200, exposition.body, CONTENT_TYPE, {}
        if path == "/-/healthy" and method in ("GET", "HEAD"):
            return 200, b"Healthy\n", text, {}
        if path == "/-/ready" and method in ("GET", "HEAD"):
            if exporter.ready:
                return 200, b"Ready\n", text, {}
            return 503, b"Not ready\n", text, {}
        if path == "/-/reload":
            if method not in ("POST", "PUT"):
                return 405, b"use POST to reload\n", text, {"Allow": "POST, PUT"}
            try:
                added, removed, kept = await exporter.reload()
            except ConfigError as error:
                return 500, f"reload failed: {error}\n".encode(), text, {}
            message = f"reloaded: {added} added, {removed} removed, {kept} kept\n"
            return 200, message.encode(), text, {}
        if path == "/" and method in ("GET", "HEAD"):
            return 200, landing_page(exporter).encode(), "text/html; charset=utf-8", {}
        return 404, b"not found\n", text, {}

    async def _send(
        self,
        writer: asyncio.StreamWriter,
        status: int,
        body: bytes,
        content_type: str = "text/plain; charset=utf-8",
        extra: dict[str, str] | None = None,
        *,
        close: bool = False,
    ) -> None:
        headers = {
            "Content-Type": content_type,
            "Content-Length": str(len(body)),  # HEAD: replaced by the GET body's length
            **self.config.headers,
            **(extra or {}),
        }
        if close:
            headers["Connection"] = "close"
        head = f"HTTP/1.1 {status} {REASONS.get(status, 'OK')}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        writer.write(head.encode("latin-1"))
        writer.write(body)  # not head + body: that would copy 13 MB once more
        await writer.drain()
