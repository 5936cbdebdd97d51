"""``tree``, keeping only each host's communet.network.config result (tests only).

ansible.builtin.tree keeps each host's last result, and the run_once settings checks of a play
report theirs on whichever host comes first; the tests read the device's own result.
"""

from __future__ import annotations

from typing import Any

from ansible.plugins.callback.tree import CallbackModule as TreeCallback

DOCUMENTATION = """
name: device_tree
type: notification
short_description: the tree callback, communet.network.config results only
description: Writes each host's communet.network.config result to a file named after the host.
extends_documentation_fragment:
  - default_callback
options:
  directory:
    description: directory that receives a file per host
    default: ~/.ansible/tree
    type: path
    env:
      - name: ANSIBLE_CALLBACK_TREE_DIR
"""


class CallbackModule(TreeCallback):  # type: ignore[misc]
    CALLBACK_NAME = "device_tree"

    def result_to_tree(self, result: Any) -> None:
        if str(result.task.action) in ("communet.network.config", "communet_config"):
            super().result_to_tree(result)
