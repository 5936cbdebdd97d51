"""Documentation and argument spec of the ``communet_config`` action.

The work happens on the controller in ``plugins/action/communet_config.py``; this file
exists so that ``ansible-doc communet_config`` documents the action and ansible-lint can
check task arguments against the spec below. Run as a module on a host, it fails.
"""

from __future__ import annotations

from typing import Any

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
module: communet_config
short_description: Converge one network device to its communet intended configuration
description:
  - Renders the device's intended configuration from the communet inventory the host came
    from, fetches the running configuration over SSH, plans the minimal non-destructive
    change, pushes it under the platform's trial commit, verifies, confirms and saves; any
    failure rolls back. Same engine as C(communet apply).
  - Runs on the controller as an action plugin, one SSH session per device; the hosts use
    C(ansible_connection=local). Nothing is copied to or executed on a target.
  - The sections configured follow from the device's role and platform in the inventory.
  - Credentials referenced as C(env:NAME) come from the controller's environment; references
    C(vault:name) come from O(secrets).
  - Every returned text (message, commands, diff) has secrets masked.
version_added: "0.1.0"
author: communet
options:
  mode:
    description:
      - V(apply) converges the device (or, with C(--check), only reports what it would send).
      - V(backup) fetches the running configuration and writes the masked pre-change backup
        to O(backup_dir) only; it reports drift in RV(drift) and never changes anything.
    type: str
    default: apply
    choices: [apply, backup]
  state_dir:
    description:
      - State directory of a running communet lab (C(communet lab up ... --state-dir DIR)).
        Its C(lab.json) maps each hostname to its lab address, port and host key.
      - Defaults to the environment variable E(COMMUNET_LAB); without either, devices are
        reached on their management address.
    type: path
  known_hosts:
    description: Host keys of the real devices (not used with a lab).
    type: path
    default: ~/.ssh/known_hosts
  backup_dir:
    description: Where the masked pre-change backup is written (C(PROVINCE/HOST/TIME.cfg)).
    type: path
  force:
    description: Push plans that the lint finds destructive (still under a trial commit).
    type: bool
    default: false
  save:
    description: Save the configuration after a verified change.
    type: bool
    default: true
  trial_minutes:
    description: Minutes before an unconfirmed change reverts by itself.
    type: int
    default: 5
  connect_timeout:
    description: Seconds for each of TCP connect, SSH banner and authentication.
    type: float
    default: 10.0
  verify_reconnect:
    description: After the push, prove that a new management session still gets in.
    type: bool
    default: true
  secrets:
    description:
      - "Values of the inventory's C(vault:NAME) references, keyed by NAME, usually from
        Ansible Vault variables, for example C(snmp_user) set to C({{ vault_snmp_user }}).
        Empty values are ignored. Never logged."
    type: dict
    default: {}
  inventory:
    description:
      - A communet inventory directory or C(*.communet.yml) file; defaults to the inventory
        source the host came from (C(inventory_file)).
    type: path
attributes:
  check_mode:
    support: full
    description: Plans and reports the exact commands; nothing is sent to the device.
  diff_mode:
    support: full
    description: Shows the device diff (running to intended) and the commands, masked.
  platform:
    support: full
    platforms: posix
notes:
  - Runs on the controller only; requires the communet Python package.
"""

EXAMPLES = r"""
- name: Converge the commune switch
  communet_config:
    backup_dir: /var/lib/communet/backups
    secrets:
      snmp_user: "{{ vault_snmp_user }}"
      snmp_auth_key: "{{ vault_snmp_auth_key }}"
      snmp_priv_key: "{{ vault_snmp_priv_key }}"

- name: Back up the running configuration only
  communet_config:
    mode: backup
    backup_dir: /var/lib/communet/backups
"""

RETURN = r"""
commands:
  description: The lines sent (or, in check mode, that would be sent), secrets masked.
  returned: always
  type: list
  elements: str
backup:
  description: Path of the masked pre-change backup, when O(backup_dir) is set.
  returned: always
  type: str
rolled_back:
  description: Whether a failed change was rolled back to the pre-change configuration.
  returned: always
  type: bool
findings:
  description: Destructive lines the lint found in the plan.
  returned: always
  type: list
  elements: str
drift:
  description: In O(mode=backup), whether the device differs from its intended configuration.
  returned: when mode is backup
  type: bool
seconds:
  description: Wall time of the device session.
  returned: always
  type: float
"""

ARGUMENT_SPEC: dict[str, dict[str, Any]] = {
    "mode": {"type": "str", "default": "apply", "choices": ["apply", "backup"]},
    "state_dir": {"type": "path"},
    "known_hosts": {"type": "path", "default": "~/.ssh/known_hosts"},
    "backup_dir": {"type": "path"},
    "force": {"type": "bool", "default": False},
    "save": {"type": "bool", "default": True},
    "trial_minutes": {"type": "int", "default": 5},
    "connect_timeout": {"type": "float", "default": 10.0},
    "verify_reconnect": {"type": "bool", "default": True},
    "secrets": {"type": "dict", "default": {}, "no_log": True},
    "inventory": {"type": "path"},
}


def main() -> None:
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    module.fail_json(msg="communet_config runs on the controller as an action plugin only")


if __name__ == "__main__":
    main()
