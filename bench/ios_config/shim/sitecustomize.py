"""Host keys for the ios_config peer: libssh's known_hosts file per lab device.

ansible.netcommon's libssh connection checks host keys (``host_key_checking = True``) but
always against ``~/.ssh/known_hosts`` of the passwd entry (its ``config_file`` option is not
passed on by ansible-pylibssh 1.4), so the peer could not be pointed at the lab's keys without
writing into root's home. bench/provision.py puts this directory on ``PYTHONPATH`` of the peer
run only, with ``COMMUNET_BENCH_KNOWN_HOSTS_DIR`` set to the lab's ``known_hosts.d``: every
pylibssh session then verifies the server key against the one-line file of its address.
Nothing else changes (authentication, timeouts, the modules are untouched).
"""

from __future__ import annotations

import os
from typing import Any

_DIR = os.environ.get("COMMUNET_BENCH_KNOWN_HOSTS_DIR")

if _DIR:
    try:
        import pylibsshext.session as _session  # type: ignore[import-not-found]
    except ImportError:  # not the peer venv
        pass
    else:
        _Base: Any = _session.Session

        class _Session(_Base):  # type: ignore[misc]
            def connect(self, **kwargs: Any) -> Any:
                host = str(kwargs.get("host", ""))
                kwargs.setdefault("knownhosts", os.path.join(str(_DIR), host))
                return super().connect(**kwargs)

        _session.Session = _Session
