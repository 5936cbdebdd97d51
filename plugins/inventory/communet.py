# Copyright: communet contributors
# Apache License 2.0 (see the LICENSE of the collection)
"""Ansible inventory plugin: the communet inventory as hosts, groups and variables.

Thin by design: ``communet.inventory.load_inventory`` reads, validates and resolves the
inventory (raising ``InventoryError`` that names file:line:col); this module only turns the
resolved devices into Ansible groups and ``communet_*`` variables.

Template trust (ansible-core 2.19 "data tagging", read from the installed source): Ansible
templates a string only when it carries the ``TrustedAsTemplate`` tag. The inventory manager
wraps an inventory plugin's ``set_variable`` and tags every string as trusted only when the
plugin declares ``trusted_by_default = True`` (``_InventoryDataWrapper`` in
``ansible/inventory/manager.py``). Every string here is inventory data, never a template: a
commune called ``{{ lookup('pipe', 'id') }}`` must print as that text and never run. So this
plugin declares ``trusted_by_default = False`` explicitly, and its values are built by communet
from its own YAML loader (plain ``str``, which carries no Ansible tag). ``wrap_var`` is not
used: on 2.19 it only strips that tag (a no-op for these values, yet it walks and copies every
value) and its module is slated for deprecation. ``ansible-inventory --list`` shows the
result: every string appears as ``{"__ansible_unsafe": ...}``. tests/test_ansible_inventory.py
proves it with a real ``ansible-playbook`` run.
"""

from __future__ import annotations

DOCUMENTATION = r"""
name: communet
author: communet contributors (@communet)
requirements:
  - the communet Python package on the controller (or in the execution environment)
short_description: Hosts, groups and variables from a communet inventory directory
description:
  - Loads a communet inventory (C(province.yml) plus C(districts/*.yml), or a directory of
    provinces) through the communet package, which validates it and reports problems as
    file:line:column.
  - Groups every device by province, district (or hub), commune, role and platform
    (C(province_demo), C(district_thach_thanh), C(commune_phu_son_thach_thanh),
    C(role_access_switch), C(platform_cisco_ios)); hosts are named by hostname.
  - Variables are prefixed C(communet_); no string is trusted as a template.
  - The configuration file name must end in C(.communet.yml) or C(.communet.yaml).
options:
  plugin:
    description: Marks this file as a communet inventory source.
    required: true
    type: str
    choices: ['communet.network.communet']
  path:
    description:
      - The inventory directory, relative to this configuration file (or absolute).
    required: true
    type: str
"""

EXAMPLES = r"""
# inventory/demo.communet.yml
plugin: communet.network.communet
path: demo
"""

from pathlib import Path
from typing import Any

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin

try:
    from communet.errors import InventoryError
    from communet.inventory import LoadedInventory, ResolvedDevice, Site, load_inventory
    from communet.inventory.model import District, Province, Status
    from communet.inventory.resolve import district_slug
except ImportError as error:  # said by parse(), where Ansible reports it for this source
    COMMUNET_IMPORT_ERROR: ImportError | None = error
else:
    COMMUNET_IMPORT_ERROR = None


SUFFIXES = (".communet.yml", ".communet.yaml")

# Tasks run on the control node (``local``): communet's action plugin
# (plugins/action/config.py) opens the one device session itself, through
# communet's session layer, instead of a network_cli daemon per host.
CONNECTION = "local"


class InventoryModule(BaseInventoryPlugin):  # type: ignore[misc]
    NAME = "communet.network.communet"

    # The default, said out loud: never tag inventory strings TrustedAsTemplate.
    trusted_by_default = False

    def verify_file(self, path: str) -> bool:
        return bool(super().verify_file(path)) and path.endswith(SUFFIXES)

    def parse(self, inventory: Any, loader: Any, path: str, cache: bool = True) -> None:
        super().parse(inventory, loader, path, cache)
        if COMMUNET_IMPORT_ERROR is not None:
            raise AnsibleParserError(
                "the communet inventory plugin needs the communet Python package on the "
                f"controller (pip install communet): {COMMUNET_IMPORT_ERROR}"
            )
        self._read_config_data(path)  # checks 'plugin: communet.network.communet', options
        root = Path(path).parent / str(self.get_option("path"))
        try:
            loaded = load_inventory(root)
        except InventoryError as exc:
            raise AnsibleParserError(f"communet inventory {root}: {exc}") from exc
        populate(self.inventory, loaded)


# ------------------------------------------------------------------------ groups and vars
def group_name(kind: str, slug: str) -> str:
    """``district`` + ``thach-thanh`` → ``district_thach_thanh`` (slugs are [a-z0-9-])."""
    return f"{kind}_{slug.replace('-', '_')}"


def populate(inventory: Any, loaded: LoadedInventory) -> None:
    """Add groups, hosts and variables for every device, in inventory order.

    Host variables are the facts playbooks branch on and print (identity, names, site, TSLCD
    circuit id); the derived detail (LAN block, VLAN subnets, WAN addresses, credential
    references, label sets) stays in communet, where the action plugin and ``communet
    inventory export --json`` read it. ``ansible-inventory --list`` copies every group
    variable into every host and encodes it with Python's pure-Python JSON encoder, so each
    extra string per host costs ~0.05–0.1 s per province: the VLAN list alone doubled the
    output (14 MB for Thanh Hóa).

    Each value is set once, where it belongs: province facts on the province group, district
    and commune facts on theirs, role and platform facts on the role_* and platform_* groups,
    hub-site and device facts on the host. A host sits in one commune at most and no two of
    its groups set the same variable, so Ansible's merge per host gives every device the full
    set, while ansible-core deep-copies and origin-tags far fewer values.
    """
    groups = _Groups(inventory)
    for plan in loaded.plans:
        province = plan.province
        province_group, new = groups.get("province", province.slug, "")
        if new:
            _set_vars(inventory, province_group, province_vars(province))
        districts = {district_slug(d): d for d in province.districts}
        for device in plan.devices:
            site = device.site
            district_group, new = groups.get("district", site.district_slug, province.slug)
            if new:
                inventory.add_child(province_group, district_group)
                _set_vars(inventory, district_group, district_vars(districts[site.district_slug]))
            # A host sits in its most specific group only (its commune, or its district for
            # hub devices); district and province groups reach it through their children.
            if site.kind == "commune":
                home, new = groups.get("commune", site.slug, province.slug)
                if new:
                    inventory.add_child(district_group, home)
                    _set_vars(inventory, home, commune_vars(site) | site_vars(site))
                inventory.add_host(device.hostname, group=home)
            else:
                inventory.add_host(device.hostname, group=district_group)
                _set_vars(inventory, device.hostname, site_vars(site))
            role_group, new = groups.get("role", str(device.role), "")
            if new:
                _set_vars(inventory, role_group, {"communet_role": str(device.role)})
            inventory.add_child(role_group, device.hostname)
            platform_group, new = groups.get("platform", device.platform, "")
            if new:
                _set_vars(inventory, platform_group, platform_vars(device.platform))
            inventory.add_child(platform_group, device.hostname)
            _set_vars(inventory, device.hostname, device_vars(device))


class _Groups:
    """Creates each group once; refuses two provinces sharing a district or commune group."""

    def __init__(self, inventory: Any) -> None:
        self.inventory = inventory
        self.owners: dict[str, str] = {}

    def get(self, kind: str, slug: str, province: str) -> tuple[str, bool]:
        """The group's name, and whether it was created just now."""
        name = group_name(kind, slug)
        first = self.owners.get(name)
        if first is None:
            self.owners[name] = province
            self.inventory.add_group(name)
            return name, True
        if first != province:
            raise AnsibleParserError(
                f"communet inventory: {kind} slug {slug!r} is used in province {first!r} and "
                f"in province {province!r}, so Ansible group {name} would mix both; give one "
                "of them another 'slug'"
            )
        return name, False


def _set_vars(inventory: Any, entity: str, variables: dict[str, Any]) -> None:
    for name, value in variables.items():
        if value is not None:
            inventory.set_variable(entity, name, value)


def province_vars(province: Province) -> dict[str, Any]:
    return {
        "communet_province": province.slug,
        "communet_province_name": province.name,
    }


def district_vars(district: District) -> dict[str, Any]:
    return {
        "communet_district": district_slug(district),
        "communet_district_name": district.name,
    }


def commune_vars(site: Site) -> dict[str, Any]:
    return {
        "communet_commune": site.slug,
        "communet_commune_name": site.name,
    }


def site_vars(site: Site) -> dict[str, Any]:
    """The site a device stands in: a commune (communet_commune) or a district hub."""
    out: dict[str, Any] = {}
    if site.kind == "hub":
        out["communet_site"] = site.slug
    if site.link is not None:  # addresses and bandwidth: communet inventory export --json
        out["communet_circuit"] = site.link.circuit_id
    return out


def platform_vars(platform: str) -> dict[str, Any]:
    return {
        # No ansible_network_os: no network_cli module runs; the action plugin reads
        # communet_platform and drives the device through communet's session layer.
        "communet_platform": platform,
        "ansible_connection": CONNECTION,
    }


def device_vars(device: ResolvedDevice) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ansible_host": str(device.management),
        "communet_firmware": device.firmware,
        "communet_model": device.model,
        "communet_serial": device.serial,
        "communet_description": device.description,
    }
    if device.status is not Status.ACTIVE:  # absent means active, as in the inventory
        out["communet_status"] = str(device.status)
    if device.registrar is not None:
        out["communet_registrar"] = device.registrar
    return out
