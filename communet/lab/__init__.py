"""The embedded lab: a simulated province of stateful devices on 127.x.y.z addresses.

Pure CLI engines per platform (:mod:`communet.lab.ios`, :mod:`communet.lab.vrp`,
:mod:`communet.lab.roomos`) sit behind one asyncssh server (:mod:`communet.lab.server`);
:class:`Lab` runs them in-process for tests, benches and ``communet lab up``.
"""

from communet.lab.core import DeviceSpec, Faults
from communet.lab.runtime import DEVICE_TYPES, Endpoint, Lab, specs_from_inventory
from communet.lab.server import Credentials

__all__ = [
    "DEVICE_TYPES",
    "Credentials",
    "DeviceSpec",
    "Endpoint",
    "Faults",
    "Lab",
    "specs_from_inventory",
]
