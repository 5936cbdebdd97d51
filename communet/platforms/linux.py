"""Debian hosts (the hub exporter host): files, not a device CLI."""

from __future__ import annotations

from communet.platforms.spec import (
    ConfigSyntax,
    Connection,
    ErrorRules,
    PlatformSpec,
    SaveRules,
    SecretPattern,
    TextRules,
)

SPEC = PlatformSpec(
    name="linux",
    vendor="Debian",
    netmiko_device_type="linux",
    ansible_network_os="linux",
    roles=frozenset({"exporter_host"}),
    connection=Connection(netmiko_device_type="linux", prompt=r"[$#]\s*$"),
    errors=ErrorRules(
        patterns=(r"command not found", r"Permission denied", r"No such file or directory"),
    ),
    # Files are persistent once written.
    save=SaveRules(command=""),
    syntax=ConfigSyntax(
        show_running="cat /etc/chrony/sources.d/communet.sources",
        negation="",
        comment_prefixes=("#",),
        ignore=(r"^\s*$", r"^#"),
        text=TextRules(forbidden="", max_length=200),
    ),
    secrets=(SecretPattern("password", r"((?:password|secret|key)\s*[=:]\s*)(?P<secret>\S+)"),),
    template_dirs=("linux",),
    templates=(("exporter_host", ("chrony.j2",)),),
)
