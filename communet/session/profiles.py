"""Session facts the platform specs do not carry (yet), as data keyed by platform name.

Everything else the session layer needs comes from :mod:`communet.platforms` (prompts,
pager, config mode, error patterns, save, trial commit). These few fields belong in
``platforms.spec.Connection``/``TrialCommit``; they live here only because the session layer
does not own the platform modules. No code branches on a platform name: it looks a profile
up and reads its fields.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SessionProfile:
    """How to drive one platform's CLI beyond what its :class:`PlatformSpec` says."""

    # What ends a typed line. The xAPI terminal wants CR LF (netmiko's cisco_tp default).
    newline: str = "\n"
    # Other prompts a session may stop at (IOS user EXEC ``host>`` before ``enable``).
    extra_prompts: tuple[str, ...] = ()
    # Other prompts that mean configuration mode (IOS ``host(dhcp-config)#``).
    config_prompts: tuple[str, ...] = ()
    # A device without a prompt: the regex of the last line of every reply (RoomOS OK/ERROR).
    reply_end: str = ""
    # Raise the privilege level after login; the question asking for the enable secret.
    elevate: str = ""
    elevate_question: str = ""
    # The trial's confirm/abort commands are typed in configuration mode (VRPv8 system-view).
    trial_in_config: bool = False
    # Roll back a pending trial at once (IOS ``configure revert now``); falls back to the
    # spec's ``TrialCommit.abort`` with ``{path}`` = the archive named by ``archive_pattern``.
    abort_now: tuple[str, ...] = ()
    archive_pattern: str = ""
    # The device's answer to the trial's confirm when nothing is pending any more: the
    # trial expired and the device already rolled the change back.
    nothing_pending: str = ""
    # Settings devices (no negation, last write wins): ``begin`` snapshots the settings with
    # ``TrialCommit.backup`` and ``abort`` writes back the old value of every pushed path.
    # ``setting_key`` is a regex whose group ``key`` names the setting a line writes.
    setting_key: str = ""
    # Lines sent in one write by ``push`` (1 = strictly one line per round trip).
    window: int = 64
    # What ends a login session from exec mode (a serial console is logged out on close, so
    # that the next person at the cable meets the login again).
    logout: str = "exit"


PROFILES: dict[str, SessionProfile] = {
    "cisco_ios": SessionProfile(
        extra_prompts=(r"[\w.-]+>\s*$",),
        config_prompts=(r"[\w.-]+\([\w.-]+\)#\s*$",),
        elevate="enable",
        elevate_question=r"[Pp]assword:\s*$",
        abort_now=("configure revert now",),
        archive_pattern=r"Backing up current running config to (?P<path>\S+)",
        nothing_pending=r"No Rollback Confirmed Change pending",
    ),
    "huawei_vrp": SessionProfile(logout="quit"),
    "huawei_vrpv8": SessionProfile(trial_in_config=True, logout="quit"),
    "cisco_roomos": SessionProfile(
        newline="\r\n",
        reply_end=r"(?:OK|ERROR|Command not recognized\.)",
        setting_key=r"^xConfiguration\s+(?P<key>[^:]+?)\s*:",
    ),
}

DEFAULT_PROFILE = SessionProfile()

# The shapes of a CLI question (on the last line, waiting for input). A pushed line that
# makes the device ask one stops the push at once instead of waiting for a timeout.
QUESTIONS = (
    r"\[confirm\]\s*$",
    r"\[yes/no\]\S*\s*$",
    r"\[[Yy]/[Nn]\]\S*\s*$",
    r"\[Y\(yes\)/N\(no\)(?:/C\(cancel\))?\]\S*\s*$",
    r"\? ?\[no\]:\s*$",
)


def profile_for(platform: str) -> SessionProfile:
    return PROFILES.get(platform, DEFAULT_PROFILE)
