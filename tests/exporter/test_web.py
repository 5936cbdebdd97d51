"""The exporter's HTTP side: basic auth (bcrypt), TLS with the configured certificate, gzip,
health, readiness and the landing page, over real sockets on 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
import datetime
import gzip
import ssl
from pathlib import Path

import bcrypt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from communet_exporter.app import Exporter, Settings
from communet_exporter.targets import ConfigError
from communet_exporter.web import WebServer
from communet_exporter.webconfig import WebConfig, load_web_config

REPO = Path(__file__).resolve().parents[2]


def certificate(directory: Path) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "communet-exporter.test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    (directory / "server.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    der = cert.public_bytes(serialization.Encoding.DER)
    (directory / "server.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return der


async def request(
    port: int,
    path: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    tls: ssl.SSLContext | None = None,
) -> tuple[int, dict[str, str], bytes, bytes | None]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=tls)
    peer = None
    ssl_object = writer.get_extra_info("ssl_object")
    if ssl_object is not None:
        peer = ssl_object.getpeercert(binary_form=True)
    head = f"{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items()) + "\r\n"
    writer.write(head.encode())
    data = await reader.read()
    writer.close()
    if not data.startswith(b"HTTP/1.1 "):
        raise ConnectionError(f"no HTTP response: {data[:40]!r}")
    top, _, body = data.partition(b"\r\n\r\n")
    lines = top.decode().split("\r\n")
    status = int(lines[0].split()[1])
    fields = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return status, fields, body, peer


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@pytest.fixture
def web_dir(tmp_path: Path) -> tuple[Path, bytes]:
    der = certificate(tmp_path)
    hashed = bcrypt.hashpw(b"s3cret-noc", bcrypt.gensalt(4)).decode()
    (tmp_path / "web.yml").write_text(
        "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
        f"basic_auth_users:\n  noc: '{hashed}'\n"
        "http_server_config:\n  headers:\n    X-Frame-Options: deny\n",
        encoding="utf-8",
    )
    return tmp_path, der


def client_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the test compares the served certificate itself
    return context


async def serve(config: WebConfig) -> tuple[WebServer, int]:
    exporter = Exporter(Settings(inventory=REPO / "inventory" / "demo"))
    server = WebServer(exporter, config)
    port = await server.start("127.0.0.1", 0)
    return server, port


def test_tls_serves_the_configured_certificate_and_basic_auth_guards_it(
    web_dir: tuple[Path, bytes],
) -> None:
    directory, der = web_dir
    config = load_web_config(directory / "web.yml")

    async def main() -> None:
        server, port = await serve(config)
        tls = client_context()
        try:
            status, fields, _, peer = await request(port, "/metrics", tls=tls)
            assert peer == der  # the certificate of the web config, byte for byte
            assert status == 401
            assert fields["www-authenticate"] == 'Basic realm="communet-exporter"'
            wrong = basic("noc", "wrong-password")
            assert (await request(port, "/metrics", headers=wrong, tls=tls))[0] == 401
            nobody = basic("root", "s3cret-noc")
            assert (await request(port, "/metrics", headers=nobody, tls=tls))[0] == 401
            good = basic("noc", "s3cret-noc")
            status, fields, body, _ = await request(port, "/metrics", headers=good, tls=tls)
            assert status == 200
            assert fields["content-type"].startswith("text/plain; version=0.0.4")
            assert fields["x-frame-options"] == "deny"
            assert b"communet_exporter_icmp_requests_total 0.0" in body
            # twice more: the checked password is remembered, the wrong one stays wrong
            assert (await request(port, "/-/healthy", headers=good, tls=tls))[0] == 200
            assert (await request(port, "/-/healthy", headers=wrong, tls=tls))[0] == 401
            with pytest.raises((ssl.SSLError, ConnectionError)):
                await request(port, "/metrics")  # plain HTTP to a TLS port
        finally:
            await server.stop()

    asyncio.run(main())


def test_gzip_health_readiness_landing_and_reload_method() -> None:
    async def main() -> None:
        server, port = await serve(WebConfig())
        try:
            status, fields, body, _ = await request(
                port, "/metrics", headers={"Accept-Encoding": "gzip"}
            )
            assert status == 200
            assert fields["content-encoding"] == "gzip"
            assert b"# TYPE communet_exporter_targets gauge" in gzip.decompress(body)
            assert (await request(port, "/-/healthy"))[:3:2] == (200, b"Healthy\n")
            assert (await request(port, "/-/ready"))[:3:2] == (503, b"Not ready\n")
            status, _, body, _ = await request(port, "/")
            assert status == 200
            assert b"<a href='metrics'>Metrics</a>" in body
            status, fields, _, _ = await request(port, "/-/reload")
            assert (status, fields["allow"]) == (405, "POST, PUT")
            assert (await request(port, "/nowhere"))[0] == 404
        finally:
            await server.stop()

    asyncio.run(main())


def test_client_certificates_need_a_ca(tmp_path: Path) -> None:
    certificate(tmp_path)
    path = tmp_path / "web.yml"
    path.write_text(
        "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
        "  client_auth_type: RequireAndVerifyClientCert\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="client_auth_type RequireAndVerifyClientCert needs"):
        load_web_config(path)
