"""The embedded lab: a simulated province of stateful devices on 127.x.y.z addresses.

Pure CLI engines per platform (:mod:`communet.lab.ios`, :mod:`communet.lab.vrp`,
:mod:`communet.lab.roomos`) keep device state and a mode machine per session and do no I/O;
one asyncssh server (:mod:`communet.lab.server`) serves every device on its own loopback
address and a shared port, with an SNMP agent per device on the same port over UDP
(:mod:`communet.lab.snmp`). The lab shares no code with communet's render, plan, session or
platform modules: it models devices from vendor documentation, so tests against it can
catch our own mistakes.

In a test or a script::

    from communet.lab import Lab, specs_from_inventory

    with Lab(specs_from_inventory(Path("inventory/demo")), state_dir=tmp_path) as lab:
        params = lab.netmiko_params("dinh-hai-sw1")  # host key checked via known_hosts
        with netmiko.ConnectHandler(**params) as conn:
            ...
        lab.set_fault("dinh-hai-sw1", delay=0.5)  # or down=, auth_failure=, reject=, ...
        lab.reboot("dinh-hai-sw1")  # unsaved changes are lost
        tty = lab.open_console("dinh-hai-sw2")  # factory state on a pty, for day-0 flows

From a shell: ``communet lab up INVENTORY [--scale N] [--netns]``, ``communet lab status``,
``communet lab fault HOST|--commune SLUG ...``, ``communet lab console HOST``,
``communet lab down``. The overlay ``.lab/lab.json`` maps each hostname to its lab address;
the inventory's own addresses are never touched.
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
