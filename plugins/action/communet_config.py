"""Ansible action ``communet_config``: converge one device with communet's apply engine.

Runs on the controller, in the worker Ansible forks for the host, and does exactly what
``communet apply HOST`` does (:func:`communet.apply.apply_device`: backup, plan, lint gate,
trial push, verify, confirm, save, rollback), with one SSH session per device. Nothing is
copied to or executed on a target: the hosts have ``ansible_connection=local``.

The task itself (inventory, lab or real devices, secrets, the result and its masking) is
:mod:`communet.ansible_task`, shared with the ``communet_linear`` strategy, which runs all
hosts of a ``communet_config`` task in one batch instead of one fork each.

Ansible forks a worker per host and task *after* the linear/free strategy has imported this
module in its own process (``action_loader.get(..., class_only=True)``), so the import below
loads every communet inventory of the run there once (:func:`communet.ansible_task.preload`)
and every forked worker inherits it (the result's ``inventory_cache`` says ``inherited``).
"""

from __future__ import annotations

from typing import Any

from ansible.plugins.action import ActionBase

from communet.ansible_task import (
    ARGUMENT_SPEC,
    Request,
    converge_one,
    inventory_root,
    load,
    masked,
    preload,
)

__all__ = ["ARGUMENT_SPEC", "ActionModule", "inventory_root", "load", "masked"]

preload()


class ActionModule(ActionBase):  # type: ignore[misc]
    """``communet_config``: plan, and unless in check mode push, one device's config."""

    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = False

    def run(
        self, tmp: str | None = None, task_vars: dict[str, Any] | None = None
    ) -> dict[str, Any]:
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
        result["run_by"] = "communet_config action, in a worker forked for this host"
        return result
