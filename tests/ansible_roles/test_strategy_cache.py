"""communet_linear's template cache keys, offline: what makes two hosts share a templating.

A task's fields are templated once per distinct key; a key that misses a variable the task
reads, or ignores whether a string may be templated, would give one host another host's
arguments. These pin the key on the cases that matter.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest
from ansible._internal._datatag._tags import TrustedAsTemplate

from .conftest import REPO
from .test_action import load


def trusted(text: str) -> Any:
    return TrustedAsTemplate().tag(text)


@pytest.fixture(scope="module")
def strategy() -> ModuleType:
    return load(REPO / "plugins" / "strategy" / "communet_linear.py", "communet_linear_strategy")


def test_the_key_follows_variables_through_their_own_templates(strategy: ModuleType) -> None:
    roots = strategy._names_in({"secrets": trusted("{{ baseline_secrets }}")})
    assert roots == {"baseline_secrets"}
    host_vars = {
        "baseline_secrets": {"snmp_user": trusted("{{ vault_snmp_user | default('') }}")},
        "vault_snmp_user": "noc",
        "unrelated": "x",
    }
    key = strategy._key(roots, host_vars)
    assert [name for name, _ in key] == ["baseline_secrets", "vault_snmp_user"]
    other = host_vars | {"vault_snmp_user": "audit"}
    assert strategy._key(roots, other) != key  # a value two templates away still counts
    assert strategy._key(roots, host_vars | {"unrelated": "y"}) == key


def test_an_untrusted_string_keys_apart_from_the_same_trusted_one(strategy: ModuleType) -> None:
    """An inventory string is never templated: '{{ x }}' from there is not a template."""
    roots = frozenset({"site_name"})
    from_playbook = strategy._key(roots, {"site_name": trusted("{{ x }}"), "x": "a"})
    from_inventory = strategy._key(roots, {"site_name": "{{ x }}", "x": "a"})
    assert from_playbook != from_inventory
    assert [name for name, _ in from_inventory] == ["site_name"]  # not followed into x


@pytest.mark.parametrize(
    "template",
    [
        "{{ hostvars[inventory_hostname].x }}",
        "{{ groups['all'] | length }}",
        "{{ 100 | random }}",
        "{{ ['a', 'b'] | shuffle }}",
        "{{ now() }}",
        "{{ unclosed",
    ],
)
def test_what_cannot_be_keyed_is_templated_per_host(strategy: ModuleType, template: str) -> None:
    with pytest.raises(strategy._UncacheableError):
        strategy._key(strategy._names_in(trusted(template)), {})


def test_a_value_of_unknown_type_is_templated_per_host(strategy: ModuleType) -> None:
    with pytest.raises(strategy._UncacheableError):
        strategy._key(frozenset({"when"}), {"when": object()})


def test_role_guard_conditions_read_their_variables(strategy: ModuleType) -> None:
    assert strategy._condition_names("communet_role != 'access_switch'") == {"communet_role"}
    assert strategy._condition_names("{{ a and b }}") == {"a", "b"}
    assert strategy._condition_names(True) == frozenset()
