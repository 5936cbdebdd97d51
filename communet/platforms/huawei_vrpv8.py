"""Huawei VRPv8 (CloudEngine switches, NetEngine AR routers): two-stage commit.

The command syntax we render is VRP5's with a few overrides (templates in
``templates/huawei_vrpv8`` first, then ``templates/huawei_vrp``); what differs is the
commit model: changes made in system-view are a candidate until ``commit``.
"""

from __future__ import annotations

from dataclasses import replace

from communet.platforms import huawei_vrp
from communet.platforms.spec import (
    ErrorRules,
    PlatformSpec,
    PromptAnswer,
    TrialCommit,
)

# The VRP5 session, with VRPv8's driver and its two-stage prompt: '[~HOST]' when the
# candidate equals running, '[*HOST]' with uncommitted changes.
CONNECTION = replace(
    huawei_vrp.CONNECTION,
    netmiko_device_type="huawei_vrpv8",
    config_prompt=r"\[[~*][\w.-]+(?:-[\w./:-]+)?\]\s*$",
)

ERRORS = ErrorRules(
    patterns=(
        *huawei_vrp.ERRORS.patterns,
        r"^Error: The configuration (?:failed|is not committed)",
        r"^Warning: Uncommitted configurations",
    ),
)

TRIAL = TrialCommit(
    method="commit_trial",
    start=(),
    commit=("commit trial {seconds}",),
    confirm=("commit",),
    abort=("abort trial",),
    backup="save {path}",
    restore="rollback configuration to file {path}",
    answers=(
        PromptAnswer(r"\[Y/N\]", "y"),
        PromptAnswer(r"Uncommitted configurations found.*\[Y\(yes\)/N\(no\)/C\(cancel\)\]", "n"),
    ),
    note=(
        "push in system-view, then 'commit trial N' (seconds): the device rolls back by "
        "itself unless 'commit' confirms; 'abort trial' rolls back at once"
    ),
)

SPEC: PlatformSpec = replace(
    huawei_vrp.SPEC,
    name="huawei_vrpv8",
    netmiko_device_type="huawei_vrpv8",
    connection=CONNECTION,
    errors=ERRORS,
    trial=TRIAL,
    template_dirs=("huawei_vrpv8", "huawei_vrp"),
)
