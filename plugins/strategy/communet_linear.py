"""Ansible strategy ``communet_linear``: linear, with each communet_config task run as a batch.

The linear strategy forks a worker per host and task (``WorkerProcess`` → ``TaskExecutor``
→ action plugin). For ``communet_config`` that machinery costs more than the device work:
measured on 400 lab hosts with no change, ansible-core's parent 15–18 CPU-s, its forked
workers 42–47 CPU-s of which communet's own work was 18. This strategy is ``linear`` in every
respect (lockstep over the play's tasks, meta tasks, failures, handlers, callbacks, the
recap), except that a plain ``communet_config`` task is not forked per host: its hosts are
collected as linear queues them, then handed together to
:func:`communet.ansible_task.converge_batch` (``communet.apply.apply_all``: one SSH session
per device, at most ``forks`` at a time, the hosts spread over the controller's CPUs), and
each host's result goes back through ansible-core's own result path as it comes, so
callbacks, ``register``, ``notify``, ``ignore_errors`` and the stats see what a forked
worker would have sent: the same result dictionary, built by the same code
(:mod:`communet.ansible_task`) as the action plugin's.

A communet_config task with anything a worker would have to evaluate per host (``when``,
a loop, ``delegate_to``, ``until``/``retries``, ``changed_when``/``failed_when``,
``async``, ``throttle``, ``timeout``) runs the linear way, through the action plugin.

ansible.cfg selects it (``strategy = communet_linear``); ``ANSIBLE_STRATEGY=linear`` runs
the same playbooks the plain way. Written against ansible-core 2.19 (pinned): it uses the
strategy's result queue (``_RawTaskResult``), which is not a public API.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ansible.executor.task_result import _RawTaskResult
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.strategy.linear import StrategyModule as LinearStrategy
from ansible.template import Templar
from ansible.utils.display import Display

from communet.ansible_task import (
    ARGUMENT_SPEC,
    Request,
    ResultDict,
    converge_batch,
    failure,
    masked,
    preload,
)

DOCUMENTATION = """
name: communet_linear
short_description: linear, with each communet_config task run for all its hosts at once
description:
  - The linear strategy, except that a plain communet_config task is not forked once per
    host but run for all the task's hosts together by communet's apply engine.
author: communet
"""

BATCHED_ACTIONS = frozenset({"communet_config"})

display = Display()

preload()


@dataclass(frozen=True)
class _Queued:
    host: Any  # ansible.inventory.host.Host
    task: Any  # ansible.playbook.task.Task
    request: Request | None
    invalid: ResultDict | None  # the arguments did not validate


class StrategyModule(LinearStrategy):  # type: ignore[misc]
    """``linear``; ``communet_config`` tasks run as one batch per task."""

    def __init__(self, tqm: Any) -> None:
        super().__init__(tqm)
        self._batch: list[_Queued] = []

    def _queue_task(
        self, host: Any, task: Any, task_vars: dict[str, Any], play_context: Any
    ) -> None:
        if not _batchable(task):
            super()._queue_task(host, task, task_vars, play_context)
            return
        # what the result path looks up for every result it processes
        self._queued_task_cache[(host.name, task._uuid)] = {
            "host": host,
            "task": task,
            "task_vars": task_vars,
            "play_context": play_context,
        }
        self._tqm.send_callback("v2_runner_on_start", host, task)
        self._batch.append(_queue(host, task, task_vars, self._loader))
        self._pending_results += 1

    def _wait_on_pending_results(self, iterator: Any) -> list[Any]:
        if self._batch:
            batch, self._batch = self._batch, []
            runner = threading.Thread(
                target=self._run_batch, args=(batch,), name="communet-batch", daemon=True
            )
            runner.start()  # results arrive while the base class processes them
        results: list[Any] = super()._wait_on_pending_results(iterator)
        return results

    def _run_batch(self, batch: Sequence[_Queued]) -> None:
        by_host = {queued.host.name: queued for queued in batch}
        reported: set[str] = set()

        def deliver(hostname: str, result: ResultDict) -> None:
            queued = by_host[hostname]
            reported.add(hostname)
            self._deliver(queued, result)

        try:
            for queued in batch:
                if queued.invalid is not None:
                    deliver(queued.host.name, queued.invalid)
            converge_batch(
                [q.request for q in batch if q.request is not None],
                workers=max(1, len(self._workers)),
                processes=os.cpu_count() or 1,
                report_host=deliver,
            )
        except BaseException as error:  # every host must get a result, or the play waits
            for hostname, queued in by_host.items():
                if hostname not in reported:
                    lost = failure(hostname, error)
                    lost["msg"] += f" (communet_linear: {type(error).__name__})"
                    self._deliver(queued, masked(lost, []))
            if not isinstance(error, Exception):
                raise

    def _deliver(self, queued: _Queued, result: ResultDict) -> None:
        task = queued.task.copy(exclude_parent=True, exclude_tasks=True)
        task._parent = queued.task._parent
        if queued.task.notify is not None:
            result["_ansible_notify"] = queued.task.notify
        if boolean(queued.task.no_log, strict=False):
            result["_ansible_no_log"] = True
        raw = _RawTaskResult(
            host=queued.host, task=task, return_data=result, task_fields=queued.task.dump_attrs()
        )
        with self._results_lock:
            self._results.append(raw)


def _batchable(task: Any) -> bool:
    return bool(
        task.action in BATCHED_ACTIONS
        and not task.when
        and task.loop is None
        and not task.loop_with
        and not task.delegate_to
        and not task.until
        and task.retries is None
        and not task.changed_when
        and not task.failed_when
        and not task.async_val
        and not task.throttle
        and not task.timeout
    )


def _queue(host: Any, task: Any, task_vars: dict[str, Any], loader: Any) -> _Queued:
    """The host's request, from the task's arguments templated with the host's variables."""
    templar = Templar(loader=loader, variables=task_vars)
    hostname = str(host.name)
    try:
        given = templar.template(task.args)
        validated = ArgumentSpecValidator(ARGUMENT_SPEC).validate(given)
        if validated.error_messages:
            problems = "; ".join(validated.error_messages)
            return _Queued(host, task, None, failure(hostname, f"bad arguments: {problems}"))
        check = boolean(templar.template(task.check_mode), strict=False)
        diff = boolean(templar.template(task.diff), strict=False)
    except Exception as error:  # an undefined variable, a template error: this host fails
        return _Queued(host, task, None, failure(hostname, error))
    request = Request(
        hostname=hostname,
        args=validated.validated_parameters,
        inventory_file=str(task_vars.get("inventory_file") or ""),
        check=check,
        diff=diff,
    )
    return _Queued(host, task, request, None)
