"""Each host's communet.network.config result, as JSON in a file named after the host (tests).

Like ansible.builtin.tree (deprecated in ansible-core 2.20, removed in 2.23), but only for the
device task: the run_once settings checks of a play report theirs on whichever host comes
first, and the tests read the device's own result.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: device_tree
type: notification
short_description: each host's communet.network.config result in a file
description: Writes each host's communet.network.config result to a file named after the host.
options:
  directory:
    description: directory that receives a file per host
    type: path
    env:
      - name: ANSIBLE_CALLBACK_TREE_DIR
"""

ACTIONS = ("communet.network.config", "communet_config")


class CallbackModule(CallbackBase):  # type: ignore[misc]
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "notification"
    CALLBACK_NAME = "device_tree"
    CALLBACK_NEEDS_ENABLED = True

    def _write(self, result: Any) -> None:
        if str(result.task.action) not in ACTIONS:
            return
        folder = Path(os.environ["ANSIBLE_CALLBACK_TREE_DIR"])
        folder.mkdir(parents=True, exist_ok=True)
        data = dict(result.result)
        (folder / result.host.get_name()).write_text(json.dumps(data, default=str), "utf-8")

    def v2_runner_on_ok(self, result: Any) -> None:
        self._write(result)

    def v2_runner_on_failed(self, result: Any, ignore_errors: bool = False) -> None:
        self._write(result)

    def v2_runner_on_skipped(self, result: Any) -> None:
        self._write(result)

    def v2_runner_on_unreachable(self, result: Any) -> None:
        self._write(result)
