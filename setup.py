"""The compiled parts of communet: pyproject.toml holds everything else.

``communet.probe._echo`` compiles the ICMP pinger's two per-echo loops
(communet/probe/_echo.c), ``communet_exporter._render`` the ICMP series of ``/metrics``
(exporter/communet_exporter/_render.c). Both are optional: where they do not build (no C
compiler or Python headers) the install goes on and the same loops run in Python, at about
twice the CPU. ``COMMUNET_PURE_PYTHON=1`` leaves them out on purpose (the execution
environment's wheel, which must stay ``py3-none-any``).
"""

import os

from setuptools import Extension, setup

FLAGS = ["-O2", "-Wall", "-Wextra", "-Werror=implicit-function-declaration"]
NATIVE = [
    Extension(name, [source], extra_compile_args=FLAGS, optional=True)
    for name, source in (
        ("communet.probe._echo", "communet/probe/_echo.c"),
        ("communet_exporter._render", "exporter/communet_exporter/_render.c"),
    )
]

setup(ext_modules=[] if os.environ.get("COMMUNET_PURE_PYTHON") == "1" else NATIVE)
