"""Ansible strategy ``communet_linear``: linear, with each communet_config task run as a batch.

The linear strategy forks a worker per host and task (``WorkerProcess`` → ``TaskExecutor``
→ action plugin). For ``communet_config`` that machinery costs more than the device work:
measured on 400 lab hosts with no change, ansible-core's parent 15–18 CPU-s, its forked
workers 42–47 CPU-s of which communet's own work was 18. This strategy is ``linear`` in every
respect (lockstep over the play's tasks, meta tasks, failures, handlers, callbacks, the
recap), except:

- **A plain communet_config task is not forked per host.** Its hosts go, in chunks of
  :data:`CHUNK` while linear is still queueing the rest, to
  :func:`communet.ansible_task.converge_batch` (``communet.apply.apply_all``: one SSH session
  per device, at most ``forks`` at a time, the hosts spread over the controller's CPUs), and
  each host's result goes back through ansible-core's own result path as it comes, so
  callbacks, ``register``, ``notify``, ``ignore_errors`` and the stats see what a forked
  worker would have sent: the same result dictionary, built by the same code
  (:mod:`communet.ansible_task`) as the action plugin's. A communet_config task with anything
  a worker would evaluate per host (``when``, a loop, ``delegate_to``, ``until``/``retries``,
  ``changed_when``/``failed_when``, ``async``, ``throttle``, ``timeout``) runs the linear way,
  through the action plugin.
- **Templating once per distinct input.** Such a task's fields and arguments, and the
  ``when`` of a role guard (``meta: end_role``/``end_host``), are templated for the first
  host whose variables they read (followed through those variables' own templates, with
  their trust) have a given set of values, and reused for every host with the same values
  (:class:`_Templates`, :meth:`StrategyModule._verdict`). What cannot be keyed (``hostvars``,
  ``groups``, ``random``, ``now()``, …) is templated per host.
- **No variable merge for a meta step**, where linear uses the variables only to template
  the action's name (:class:`_MetaVariables`), and the play's host lists are not rebuilt for
  every host and task (:meth:`StrategyModule.add_tqm_variables`).

Measured on the 2,248-device lab province (bench/provision.py, docs/benchmarks.md): from
blank, linear 324 s, this strategy 151 s, the CLI 130 s; with no change, 214 s, 68 s, 40 s.

ansible.cfg selects it (``strategy = communet_linear``); ``ANSIBLE_STRATEGY=linear`` runs
the same playbooks the plain way (tests/ansible_roles/test_strategy.py runs both). Written
against ansible-core 2.19 (pinned), whose strategy internals it extends (``_queue_task``,
``_execute_meta``, the result queue); ansible-core 2.19 also deprecates strategies outside
ansible.builtin and says so at every run. If a later ansible-core drops them, the playbooks
keep working with ``strategy = linear`` at linear's speed.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jinja2
import jinja2.meta
import jinja2.nodes
from ansible import constants as ansible_constants
from ansible._internal._datatag._tags import TrustedAsTemplate
from ansible._internal._templating._engine import TemplateEngine
from ansible.errors import AnsibleError
from ansible.executor.task_result import _RawTaskResult
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.strategy.linear import StrategyModule as LinearStrategy

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

preload()


@dataclass(frozen=True)
class _Queued:
    host: Any  # ansible.inventory.host.Host
    task: Any  # the host's copy of the task, post-validated
    request: Request | None
    invalid: ResultDict | None  # the arguments did not validate


Deliver = Callable[[_Queued, ResultDict], None]

# A chunk starts once this many hosts wait (or linear has queued the task's last host):
# apply_all spreads 40+ hosts per process over the CPUs.
CHUNK = 80


class _TaskRun:
    """One communet_config task: its hosts run in chunks while linear still queues the rest.

    The linear strategy prepares every host in ansible-playbook's main thread (variables,
    templated arguments: ~10 ms each); devices already prepared are converged meanwhile, in
    this thread's apply_all (forked processes), so the two overlap instead of adding up.
    """

    def __init__(self, task: Any, deliver: Deliver, *, workers: int) -> None:
        self.task_uuid: str = task._uuid
        self.templates = _Templates(task)
        self._deliver = deliver
        self._workers = workers
        self._ready = threading.Condition()
        self._waiting: list[_Queued] = []
        self._closed = False
        self._chunks = 0
        self._thread = threading.Thread(target=self._run, name="communet-batch", daemon=True)
        self._thread.start()

    def add(self, queued: _Queued) -> None:
        with self._ready:
            self._waiting.append(queued)
            if len(self._waiting) >= CHUNK:
                self._ready.notify()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def close(self) -> None:
        """Linear has queued every host of the task."""
        with self._ready:
            self._closed = True
            self._ready.notify()

    def _take(self) -> list[_Queued]:
        with self._ready:
            while not self._closed and len(self._waiting) < CHUNK:
                self._ready.wait()
            chunk, self._waiting = self._waiting, []
            return chunk

    def _run(self) -> None:
        while chunk := self._take():
            self._chunks += 1
            self._run_chunk(chunk, f"communet_linear strategy, chunk {self._chunks} of the task")

    def _run_chunk(self, chunk: Sequence[_Queued], run_by: str) -> None:
        by_host = {queued.host.name: queued for queued in chunk}
        reported: set[str] = set()

        def deliver(hostname: str, result: ResultDict) -> None:
            reported.add(hostname)
            self._deliver(by_host[hostname], result | {"run_by": f"{run_by} ({len(chunk)} hosts)"})

        try:
            for queued in chunk:
                if queued.invalid is not None:
                    deliver(queued.host.name, queued.invalid)
            converge_batch(
                [q.request for q in chunk if q.request is not None],
                workers=self._workers,
                processes=os.cpu_count() or 1,
                report_host=deliver,
            )
        except BaseException as error:  # every host must get a result, or the play waits
            for hostname in by_host.keys() - reported:
                queued = by_host[hostname]
                lost = failure(hostname, error)
                lost["msg"] += f" (communet_linear: {type(error).__name__})"
                known = queued.request.known_secrets() if queued.request else []
                self._deliver(queued, masked(lost, known))
            if not isinstance(error, Exception):
                raise


class _MetaVariables:
    """The strategy's variable manager: the host's variables, except for a meta task's step.

    Linear merges a host's variables for every host and task, meta tasks included (role
    guards, role_complete and flush_handlers: 13 of 18 merges per host in site.yml), and
    uses them for a meta task only to template its action name ("meta"); a meta task's
    ``when`` is evaluated inside ``_execute_meta``, with variables merged there.
    """

    def __init__(self, manager: Any) -> None:
        self.manager = manager
        self.in_meta = False

    def get_vars(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        task = kwargs.get("task")
        if task is not None and not self.in_meta and task.action in ansible_constants._ACTION_META:
            return {}
        merged: dict[str, Any] = self.manager.get_vars(*args, **kwargs)
        return merged

    def __getattr__(self, name: str) -> Any:
        return getattr(self.manager, name)


class StrategyModule(LinearStrategy):  # type: ignore[misc]
    """``linear``; each ``communet_config`` task's hosts run in chunks of one batch."""

    def __init__(self, tqm: Any) -> None:
        super().__init__(tqm)
        self._meta_variables = _MetaVariables(tqm.get_variable_manager())
        self._variable_manager = self._meta_variables
        self._task_run: _TaskRun | None = None
        self._tqm_hosts: tuple[tuple[object, ...], list[str], list[str]] | None = None
        self._arrived = threading.Condition()
        self._verdicts: dict[tuple[object, ...], bool] = {}

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
        if self._task_run is None or self._task_run.task_uuid != task._uuid:
            self._close_task_run()
            workers = max(1, len(self._workers))
            self._task_run = _TaskRun(task, self._deliver, workers=workers)
        self._pending_results += 1
        self._task_run.add(self._task_run.templates.prepare(host, task_vars, self._loader))

    def _execute_meta(self, task: Any, play_context: Any, iterator: Any, target_host: Any) -> Any:
        verdict = self._verdict(task, iterator, target_host)
        # Linear's own step merged no variables for this meta task (_MetaVariables); the
        # evaluation of its when inside _execute_meta merges them, unless the verdict is known.
        self._meta_variables.in_meta = verdict is None
        if verdict is not None:
            task._resolve_conditional = functools.partial(_known, verdict)
        try:
            return super()._execute_meta(task, play_context, iterator, target_host)
        finally:
            self._meta_variables.in_meta = False
            if verdict is not None:
                del task._resolve_conditional

    def _verdict(self, task: Any, iterator: Any, host: Any) -> bool | None:
        """A role guard's when for this host, evaluated once per distinct set of values it reads.

        site.yml's four role guards (``meta: end_role`` when the device is of another role)
        are evaluated for every host: compiling and evaluating the expression is ~1.5 ms each.
        Only these meta tasks, whose variables serve their when alone, are answered here.
        """
        if not task.when or task._get_meta() not in _GUARDS:
            return None
        variables = self._meta_variables.manager.get_vars(
            play=iterator._play,
            host=host,
            task=task,
            _hosts=self._hosts_cache,
            _hosts_all=self._hosts_cache_all,
        )
        try:
            names = frozenset().union(*(_condition_names(c) for c in task.when))
            key = (task._uuid, _key(names, variables))
        except _UncacheableError:
            return None
        known = self._verdicts.get(key)
        if known is None:
            known = self._verdicts[key] = bool(task._resolve_conditional(task.when, variables))
        return known

    def _wait_on_pending_results(self, iterator: Any) -> list[Any]:
        if self._task_run is None:
            results: list[Any] = super()._wait_on_pending_results(iterator)
            return results
        run = self._task_run
        self._close_task_run()
        # ansible-core polls every millisecond for results of forked workers; the batch's
        # results come from this process, which says when one has arrived (each poll takes
        # the GIL from the thread that delivers them: 12 s of 96 on 2,248 devices).
        processed: list[Any] = []
        while self._pending_results > 0 and not self._tqm._terminated:
            with self._arrived:
                self._arrived.wait_for(lambda: bool(self._results), timeout=0.5)
            ended = not run.alive
            processed += self._process_pending_results(iterator)
            if ended and self._pending_results > 0 and not self._results:
                raise AnsibleError(
                    f"communet_linear: the batch of task {run.task_uuid} ended without "
                    f"reporting {self._pending_results} hosts (a bug: please report it)"
                )
        return processed

    def _close_task_run(self) -> None:
        if self._task_run is not None:
            self._task_run.close()
            self._task_run = None

    def _deliver(self, queued: _Queued, result: ResultDict) -> None:
        """Hand one host's result to ansible-core's result path, as a worker would."""
        task = queued.task
        if task.notify is not None:
            result["_ansible_notify"] = task.notify
        if task.no_log:
            result["_ansible_no_log"] = True
        raw = _RawTaskResult(
            host=queued.host, task=task, return_data=result, task_fields=task.dump_attrs()
        )
        with self._results_lock:
            self._results.append(raw)
        with self._arrived:
            self._arrived.notify()

    def add_tqm_variables(self, vars: dict[str, Any], play: Any) -> None:
        """As linear, without rebuilding the two host lists for every host and task.

        ansible-core filters the play's host list anew per call: O(hosts) per host and task,
        ~4 % of a 2,248-device run. The lists only change when a host fails or is unreachable.
        """
        key = (
            id(play),
            id(self._hosts_cache),
            len(self._hosts_cache),
            frozenset(self._tqm._failed_hosts),
            frozenset(self._tqm._unreachable_hosts),
        )
        if self._tqm_hosts is None or self._tqm_hosts[0] != key:
            remaining = self.get_hosts_remaining(play)
            self._tqm_hosts = (key, remaining, self.get_failed_hosts(play))
        _, remaining, failed = self._tqm_hosts
        vars["ansible_current_hosts"] = list(remaining)
        vars["ansible_failed_hosts"] = list(failed)


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


class _UncacheableError(Exception):
    """The task's templates depend on something the cache cannot key on."""


# Variables too large or too lazy to key on, and filters whose output is not a function of
# their input: a task referring to one is templated for every host, as a worker would.
_UNKEYED_NAMES = frozenset(
    {"hostvars", "groups", "vars", "play_hosts", "ansible_play_hosts", "ansible_play_batch"}
    | {"ansible_play_hosts_all", "ansible_facts", "now"}
)
_UNKEYED_FILTERS = frozenset({"random", "shuffle", "password_hash", "to_uuid"})
_MISSING = object()


class _Templates:
    """One communet_config task, templated once per distinct set of the values it reads.

    The linear strategy's worker templates every field of the task (its arguments most of
    all: ~20 ms a host in site.yml) for every host, although in a role the values almost
    never differ between hosts. Here the variables the task's templates read, followed
    through the variables' own templates, key a cache of the post-validated fields and the
    validated arguments: a host whose values (and their trust: an untrusted inventory string
    is never templated) equal another's gets that host's templating; any other host is
    templated afresh.
    """

    def __init__(self, task: Any) -> None:
        self._task = task
        self._roots = _names_in(task.dump_attrs())
        self._done: dict[tuple[object, ...], tuple[dict[str, Any], Any]] = {}

    def prepare(self, host: Any, task_vars: dict[str, Any], loader: Any) -> _Queued:
        hostname = str(host.name)
        try:
            key: tuple[object, ...] | None = _key(self._roots, task_vars)
        except _UncacheableError:
            key = None
        cached = self._done.get(key) if key is not None else None
        if cached is None:
            own, outcome = _template(self._task, task_vars, loader)
            if key is not None:
                self._done[key] = (own.dump_attrs(), outcome)
        else:
            fields, outcome = cached
            own = self._task.copy(exclude_parent=True, exclude_tasks=True)
            own._parent = self._task._parent
            own.from_attrs(fields)
        if isinstance(outcome, BaseException | str):
            return _Queued(host, own, None, failure(hostname, outcome))
        request = Request(
            hostname=hostname,
            args=outcome,
            inventory_file=str(task_vars.get("inventory_file") or ""),
            check=bool(own.check_mode),
            diff=bool(own.diff),
        )
        return _Queued(host, own, request, None)


def _template(task: Any, task_vars: dict[str, Any], loader: Any) -> tuple[Any, Any]:
    """The host's copy of the task, post-validated, and its validated arguments (or why not)."""
    templar = TemplateEngine(loader=loader, variables=task_vars)
    own = task.copy()  # what a forked worker gets: the host's copy, its fields templated
    try:
        own.post_validate(templar=templar)  # templates the arguments too, omit dropped
        validated = ArgumentSpecValidator(ARGUMENT_SPEC).validate(own.args)
    except Exception as error:  # an undefined variable, a template error: this host fails
        return own, error
    if validated.error_messages:
        return own, "bad arguments: " + "; ".join(validated.error_messages)
    return own, validated.validated_parameters


def _key(roots: frozenset[str], task_vars: Mapping[str, Any]) -> tuple[object, ...]:
    """The values (with their trust) of every variable the templates read, transitively."""
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        if name in _UNKEYED_NAMES:
            raise _UncacheableError(name)
        seen.add(name)
        todo += _names_in(task_vars.get(name))
    return tuple((name, _frozen(task_vars.get(name, _MISSING))) for name in sorted(seen))


def _frozen(value: Any) -> object:
    if isinstance(value, str):
        return (str(value), TrustedAsTemplate.is_tagged_on(value))
    if value is None or value is _MISSING or isinstance(value, bool | int | float):
        return (type(value).__name__, value)
    if isinstance(value, Mapping):
        return ("map", tuple(sorted((str(k), _frozen(v)) for k, v in value.items())))
    if isinstance(value, list | tuple):
        return ("seq", tuple(_frozen(v) for v in value))
    raise _UncacheableError(type(value).__name__)


def _names_in(value: Any) -> frozenset[str]:
    """The variables the templates in ``value`` (strings, mappings, sequences) read."""
    if isinstance(value, str):
        return _template_names(value) if TrustedAsTemplate.is_tagged_on(value) else frozenset()
    if isinstance(value, Mapping):
        return frozenset().union(*(_names_in(v) for v in value.values()))
    if isinstance(value, list | tuple):
        return frozenset().union(*(_names_in(v) for v in value))
    return frozenset()


# Meta tasks whose when is answered by _verdict: they use their variables for nothing else.
_GUARDS = frozenset({"end_role", "end_host"})


def _known(verdict: bool, *_args: Any, **_kwargs: Any) -> bool:
    return verdict


def _condition_names(condition: Any) -> frozenset[str]:
    """The variables a when item reads: a bare expression, or (old style) a template."""
    if isinstance(condition, bool):
        return frozenset()
    if not isinstance(condition, str):
        raise _UncacheableError(type(condition).__name__)
    text = str(condition)
    if any(mark in text for mark in ("{{", "{%", "{#")):
        return _template_names(text)
    return _template_names("{{ (" + text + ") }}")


_PARSER = jinja2.Environment(
    autoescape=True, extensions=["jinja2.ext.do", "jinja2.ext.loopcontrols"]
)  # parses only


@functools.lru_cache(maxsize=4096)
def _template_names(source: str) -> frozenset[str]:
    if not any(mark in source for mark in ("{{", "{%", "{#")):
        return frozenset()
    try:
        tree = _PARSER.parse(source)
    except jinja2.TemplateSyntaxError as error:
        raise _UncacheableError(source) from error
    if any(f.name in _UNKEYED_FILTERS for f in tree.find_all(jinja2.nodes.Filter)):
        raise _UncacheableError(source)
    return frozenset(jinja2.meta.find_undeclared_variables(tree))
