"""The compiled part of communet: pyproject.toml holds everything else.

``communet.probe._echo`` compiles the ICMP pinger's two per-echo loops
(communet/probe/_echo.c). It is optional: where it does not build (no C compiler or
Python headers) the install goes on and the pinger runs the same loops in Python, at about
three times the CPU per echo. ``COMMUNET_PURE_PYTHON=1`` leaves it out on purpose (the
execution environment's wheel, which must stay ``py3-none-any``).
"""

import os

from setuptools import Extension, setup

NATIVE = [
    Extension(
        "communet.probe._echo",
        ["communet/probe/_echo.c"],
        extra_compile_args=["-O2", "-Wall", "-Wextra", "-Werror=implicit-function-declaration"],
        optional=True,
    )
]

setup(ext_modules=[] if os.environ.get("COMMUNET_PURE_PYTHON") == "1" else NATIVE)
