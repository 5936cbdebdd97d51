# Copyright: communet contributors
# Apache License 2.0 (see the LICENSE of the collection)
"""Action ``communet.network.config``: converge one device with communet's engine.

Runs on the controller, in the worker ansible-core's builtin strategy forks for the host and
task, and does exactly what ``communet apply HOST`` does (backup, plan, lint gate, trial
push, verify, confirm, save, rollback), with one SSH session per device. Nothing is copied
to or executed on a target: the hosts have ``ansible_connection=local``.

The task itself (inventory, lab or real devices, secrets, the result and its masking) is
:mod:`communet.ansible_task` in the communet Python package, which the controller (or the
execution environment) must have. ansible-core imports this module in the strategy's own
process before forking a worker per host (``action_loader.get(..., class_only=True)``), so
the import below loads every communet inventory of the run there once and every worker
inherits it (:func:`communet.ansible_task.preload`).
"""

from __future__ import annotations

from typing import Any

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

try:
    from communet.ansible_task import ARGUMENT_SPEC, Request, converge_one, preload
except ImportError as error:
    COMMUNET_IMPORT_ERROR: ImportError | None = error
    ARGUMENT_SPEC = {}
else:
    COMMUNET_IMPORT_ERROR = None
    preload()


class ActionModule(ActionBase):  # type: ignore[misc]
    """Plan, and unless in check mode push, one device's configuration."""

    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = False

    def run(
        self, tmp: str | None = None, task_vars: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        if COMMUNET_IMPORT_ERROR is not None:
            raise AnsibleActionFail(
                "communet.network.config needs the communet Python package on the "
                "controller (pip install communet; in AWX, in the execution environment): "
                f"{COMMUNET_IMPORT_ERROR}"
            )
        task_vars = task_vars or {}
        result: dict[str, Any] = super().run(tmp, task_vars)
        validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        del validation  # errors raise AnsibleActionFail before this line
        request = Request(
            hostname=str(task_vars.get("inventory_hostname", "")),
            args=args,
            inventory_file=str(task_vars.get("inventory_file") or ""),
            check=bool(self._play_context.check_mode),
            diff=bool(self._play_context.diff),
        )
        result.update(converge_one(request))
        return result
