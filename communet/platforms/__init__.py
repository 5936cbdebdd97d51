"""Registry of device platforms. Platform knowledge is data: one module per platform.

Each module declares a :class:`PlatformSpec` (netmiko device type and session options,
prompts, error patterns, save and trial-commit commands, negation, idempotency, lint and
secret-masking rules, templates). Code looks platforms up here and never branches on a name.
"""

from __future__ import annotations

from communet.platforms import cisco_ios, cisco_roomos, huawei_vrp, huawei_vrpv8, linux
from communet.platforms.spec import (
    MASK,
    ConfigSyntax,
    Connection,
    ErrorRules,
    FirmwareFamily,
    IdempotencyRule,
    LintRule,
    PlatformSpec,
    PromptAnswer,
    SaveRules,
    SecretPattern,
    TextRules,
    TrialCommit,
    mask_line_secrets,
)

PLATFORMS: dict[str, PlatformSpec] = {
    spec.name: spec
    for spec in (
        cisco_ios.SPEC,
        huawei_vrp.SPEC,
        huawei_vrpv8.SPEC,
        cisco_roomos.SPEC,
        linux.SPEC,
    )
}


def platform_names() -> str:
    return ", ".join(sorted(PLATFORMS))


def get_platform(name: str) -> PlatformSpec:
    """The spec for ``name``; an unknown name lists the valid ones."""
    try:
        return PLATFORMS[name]
    except KeyError:
        raise KeyError(f"unknown platform {name!r}; valid platforms: {platform_names()}") from None


__all__ = [
    "MASK",
    "PLATFORMS",
    "ConfigSyntax",
    "Connection",
    "ErrorRules",
    "FirmwareFamily",
    "IdempotencyRule",
    "LintRule",
    "PlatformSpec",
    "PromptAnswer",
    "SaveRules",
    "SecretPattern",
    "TextRules",
    "TrialCommit",
    "get_platform",
    "mask_line_secrets",
    "platform_names",
]
