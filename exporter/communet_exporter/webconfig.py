"""The web config file in exporter-toolkit's format (what every Prometheus exporter reads).

```yaml
tls_server_config:
  cert_file: server.crt          # relative paths are relative to this file
  key_file: server.key
  min_version: TLS12             # TLS10..TLS13
  max_version: TLS13
  client_auth_type: NoClientCert # or RequireAndVerifyClientCert (with client_ca_file), ...
  client_ca_file: ca.crt
http_server_config:
  headers: {X-Frame-Options: deny}
basic_auth_users:
  noc: $2y$10$...                # bcrypt hashes (htpasswd -nBC 10 "" | tr -d ':\\n')
```

Keys exporter-toolkit knows but this exporter does not implement (cipher_suites,
curve_preferences, client_allowed_sans, http2: false) are refused with a message rather than
silently ignored; unknown keys are refused like exporter-toolkit's strict YAML.
"""

from __future__ import annotations

import hashlib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bcrypt
import yaml

from communet_exporter.targets import ConfigError, one_line

TLS_VERSIONS = {
    "TLS10": ssl.TLSVersion.TLSv1,
    "TLS11": ssl.TLSVersion.TLSv1_1,
    "TLS12": ssl.TLSVersion.TLSv1_2,
    "TLS13": ssl.TLSVersion.TLSv1_3,
}
CLIENT_AUTH = {
    "NoClientCert": ssl.CERT_NONE,
    "RequestClientCert": ssl.CERT_OPTIONAL,
    "RequireAnyClientCert": ssl.CERT_REQUIRED,
    "VerifyClientCertIfGiven": ssl.CERT_OPTIONAL,
    "RequireAndVerifyClientCert": ssl.CERT_REQUIRED,
}
TLS_KEYS = {
    "cert_file",
    "key_file",
    "min_version",
    "max_version",
    "client_auth_type",
    "client_ca_file",
}
NOT_IMPLEMENTED = {
    "cipher_suites",
    "curve_preferences",
    "client_allowed_sans",
    "prefer_server_cipher_suites",
    "cert",
    "key",
    "client_ca",
}


@dataclass
class WebConfig:
    tls: ssl.SSLContext | None = None
    users: dict[str, bytes] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    _verified: dict[tuple[str, bytes], bool] = field(default_factory=dict)

    def authorised(self, username: str, password: str) -> bool:
        """bcrypt is slow on purpose (~50-250 ms): a checked pair is remembered by its
        SHA-256, as exporter-toolkit does, so that each scrape does not pay it again."""
        if not self.users:
            return True
        hashed = self.users.get(username)
        digest = hashlib.sha256(password.encode()).digest()
        cached = self._verified.get((username, digest))
        if cached is not None:
            return cached
        ok = hashed is not None and bcrypt.checkpw(password.encode(), hashed)
        if hashed is None:
            # Spend the same time on an unknown user as on a known one.
            bcrypt.checkpw(b"x", _DUMMY)
        if len(self._verified) > 1000:
            self._verified.clear()
        self._verified[(username, digest)] = ok
        return ok


_DUMMY = bcrypt.hashpw(b"communet", bcrypt.gensalt(4))


def _mapping(value: object, where: str, path: Path) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"--web.config.file {path}: {where} must be a mapping")
    return value


def load_web_config(path: Path | None) -> WebConfig:
    if path is None:
        return WebConfig()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(f"--web.config.file {path}: cannot read it: {one_line(error)}") from None
    top = _mapping(data, "the file", path)
    for key in top:
        if key not in ("tls_server_config", "http_server_config", "basic_auth_users"):
            raise ConfigError(f"--web.config.file {path}: unknown key {key!r}")
    config = WebConfig()
    for user, hashed in _mapping(top.get("basic_auth_users"), "basic_auth_users", path).items():
        raw = str(hashed).encode()
        if not raw.startswith((b"$2a$", b"$2b$", b"$2y$")):
            raise ConfigError(
                f"--web.config.file {path}: basic_auth_users.{user} is not a bcrypt hash "
                "(make one with: htpasswd -nBC 10 '' | tr -d ':\\n')"
            )
        config.users[str(user)] = raw
    http = _mapping(top.get("http_server_config"), "http_server_config", path)
    for key, value in http.items():
        if key == "headers":
            config.headers = {str(k): str(v) for k, v in _mapping(value, key, path).items()}
        elif key == "http2":
            continue  # HTTP/1.1 only here; Prometheus scrapes over HTTP/1.1 by default
        else:
            raise ConfigError(f"--web.config.file {path}: unknown key http_server_config.{key}")
    tls = _mapping(top.get("tls_server_config"), "tls_server_config", path)
    if tls:
        config.tls = _tls_context(tls, path)
    return config


def _tls_context(tls: Mapping[str, Any], path: Path) -> ssl.SSLContext:
    for key in tls:
        if key in NOT_IMPLEMENTED:
            raise ConfigError(
                f"--web.config.file {path}: tls_server_config.{key} is not supported by "
                "communet-exporter; remove it"
            )
        if key not in TLS_KEYS:
            raise ConfigError(f"--web.config.file {path}: unknown key tls_server_config.{key}")
    if not tls.get("cert_file") or not tls.get("key_file"):
        raise ConfigError(
            f"--web.config.file {path}: tls_server_config needs both cert_file and key_file"
        )
    base = path.parent
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert_path, key_path = base / str(tls["cert_file"]), base / str(tls["key_file"])
    try:
        context.load_cert_chain(cert_path, key_path)
    except (OSError, ssl.SSLError) as error:
        raise ConfigError(
            f"--web.config.file {path}: cannot load {cert_path} / {key_path}: {one_line(error)}"
        ) from None
    for name, attribute, default in (
        ("min_version", "minimum_version", "TLS12"),
        ("max_version", "maximum_version", "TLS13"),
    ):
        value = str(tls.get(name, default))
        if value not in TLS_VERSIONS:
            raise ConfigError(
                f"--web.config.file {path}: tls_server_config.{name} {value!r}: "
                f"use one of {', '.join(TLS_VERSIONS)}"
            )
        setattr(context, attribute, TLS_VERSIONS[value])
    auth = str(tls.get("client_auth_type", "NoClientCert"))
    if auth not in CLIENT_AUTH:
        raise ConfigError(
            f"--web.config.file {path}: tls_server_config.client_auth_type {auth!r}: "
            f"use one of {', '.join(CLIENT_AUTH)}"
        )
    context.verify_mode = CLIENT_AUTH[auth]
    if auth != "NoClientCert":
        ca = tls.get("client_ca_file")
        if not ca:
            raise ConfigError(
                f"--web.config.file {path}: client_auth_type {auth} needs client_ca_file"
            )
        try:
            context.load_verify_locations(base / str(ca))
        except (OSError, ssl.SSLError) as error:
            raise ConfigError(
                f"--web.config.file {path}: cannot load client_ca_file: {one_line(error)}"
            ) from None
    return context
