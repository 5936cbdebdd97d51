"""The shared inventory: model, loader and resolved devices."""

from communet.inventory.loader import LoadedInventory, load_inventory
from communet.inventory.resolve import ResolvedDevice, Site

__all__ = ["LoadedInventory", "ResolvedDevice", "Site", "load_inventory"]
