"""Stand-in for get-pip.py when ansible-test bootstraps pip into its sanity venvs offline.

ansible-test downloads get-pip.py from ci-files.testing.ansible.com, which this environment
cannot reach (PyPI only); it uses a cached copy when one exists
(``~/.ansible/test/cache/get_pip_<version>.py``, see ansible-test's own error message).
tools/sanity.py puts this file there. It does what get-pip.py does, from allowed sources:
installs the interpreter's bundled pip (ensurepip), then pip itself at the version
ansible-test asked for, and the other packages it asked for, from the package index.
"""

import ensurepip
import subprocess
import sys

GET_PIP_ONLY = ("--no-setuptools", "--no-wheel")

ensurepip.bootstrap(upgrade=True)
arguments = [a for a in sys.argv[1:] if a not in GET_PIP_ONLY]
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install", *arguments]))
