"""execution-environment.yml: its pins are the project's, and ``ansible-builder create``
writes a build context that ansible-builder's own introspection accepts.

No container engine exists here, so the image is not built; what can be checked without one
is: the definition validates (ansible-builder create), the context holds the communet wheel
and the collection tarball where the Containerfile copies them from, the requirement list
passes the introspect script the builder stage runs, and pip resolves it (dry run, PyPI).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
EE = yaml.safe_load((REPO / "execution-environment.yml").read_text("utf-8"))
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))


def test_the_ee_pins_what_pyproject_pins() -> None:
    runtime = PYPROJECT["project"]["dependencies"]
    core = next(d for d in runtime if d.startswith("ansible-core=="))
    deps = EE["dependencies"]
    assert deps["ansible_core"]["package_pip"] == core
    assert re.fullmatch(r"ansible-runner==[0-9.]+", deps["ansible_runner"]["package_pip"])
    python = deps["python"]
    version = PYPROJECT["project"]["version"]
    assert python[0] == f"communet @ file:///tmp/communet/communet-{version}-py3-none-any.whl"
    assert python[1:] == [d for d in runtime if d != core]
    [collection] = deps["galaxy"]["collections"]
    galaxy = yaml.safe_load((REPO / "galaxy.yml").read_text("utf-8"))
    assert collection == {
        "name": f"/tmp/communet/communet-network-{galaxy['version']}.tar.gz",
        "type": "file",
    }


def run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env["ANSIBLE_HOME"] = str(cwd / "ansible-home")
    env["COMMUNET_PURE_PYTHON"] = "1"  # as `make ee`: the image gets the py3-none-any wheel
    process = subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert process.returncode == 0, process.stdout[-2000:] + process.stderr[-2000:]
    return process


@pytest.mark.slow
def test_ansible_builder_create_writes_a_build_context(tmp_path: Path) -> None:
    shutil.copy(REPO / "execution-environment.yml", tmp_path)
    source = tmp_path / "build" / "ee-src"
    source.mkdir(parents=True)
    # as `make ee` does
    run([str(BIN / "python"), "-m", "pip", "wheel", "--quiet", "--no-deps",
         "--no-build-isolation", "-w", str(source), str(REPO)], tmp_path)  # fmt: skip
    run([str(BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(source),
         str(REPO)], tmp_path)  # fmt: skip
    context = tmp_path / "context"
    run([str(BIN / "ansible-builder"), "create", "-f", "execution-environment.yml", "-c",
         str(context), "--output-filename", "Containerfile"], tmp_path)  # fmt: skip
    containerfile = (context / "Containerfile").read_text("utf-8")
    core = EE["dependencies"]["ansible_core"]["package_pip"]
    runner = EE["dependencies"]["ansible_runner"]["package_pip"]
    assert f'ARG ANSIBLE_INSTALL_REFS="{core} {runner}"' in containerfile
    assert 'ARG PYCMD="/usr/bin/python3.12"' in containerfile
    assert containerfile.count("COPY _build/communet /tmp/communet") == 2  # galaxy, builder
    shipped = sorted(p.name for p in (context / "_build" / "communet").iterdir())
    assert shipped == ["communet-0.1.0-py3-none-any.whl", "communet-network-0.1.0.tar.gz"]
    build = context / "_build"
    # the builder stage's introspection, run here on the same files
    run([str(BIN / "python"), "scripts/introspect.py", "introspect",
         "--user-pip=requirements.txt", "--user-bindep=bindep.txt",
         f"--write-pip={tmp_path / 'pip.txt'}", f"--write-bindep={tmp_path / 'bindep.txt'}"],
        build)  # fmt: skip
    wanted = (tmp_path / "pip.txt").read_text("utf-8")
    local = build / "communet" / "communet-0.1.0-py3-none-any.whl"
    resolvable = wanted.replace("file:///tmp/communet/", local.parent.as_uri() + "/")
    (tmp_path / "resolve.txt").write_text(resolvable, "utf-8")
    resolved = run([str(BIN / "python"), "-m", "pip", "install", "--dry-run", "--quiet",
                    "--ignore-installed", "--report", "-", "-r", str(tmp_path / "resolve.txt"),
                    core], tmp_path)  # fmt: skip
    assert '"name": "communet"' in resolved.stdout
