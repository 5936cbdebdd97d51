"""``make sanity``: ansible-test sanity on the built collection, without Docker.

ansible-test needs the collection at ``ansible_collections/communet/network``; the repository
root is the collection's source (galaxy.yml, build_ignore), so this builds the tarball the
way a release would, installs it into ``build/sanity`` and runs ``ansible-test sanity`` there
(``--venv`` style: ansible-test makes a virtualenv per sanity test and fills it from PyPI; no
container engine). Its pip bootstrap would download get-pip.py from a host this environment
cannot reach, so tools/ansible_test_get_pip.py stands in for it in ansible-test's cache. The
cache and the test venvs live in ``build/ansible-test-home`` (HOME for ansible-test), so only
the first run installs anything (≈1.5 min); later runs take ≈20 s.

    .venv/bin/python tools/sanity.py [--python 3.13]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import ansible_test

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
BUILD = REPO / "build"


def pip_version() -> str:
    """The pip ansible-test bootstraps into its venvs (it names its cached script so)."""
    source = Path(ansible_test.__file__).parent / "_internal" / "python_requirements.py"
    found = re.search(r"pip='([0-9.]+)'", source.read_text("utf-8"))
    if found is None:
        raise SystemExit(f"{source}: cannot find ansible-test's pip version")
    return found[1]


def run(argv: list[str], cwd: Path, env: dict[str, str]) -> None:
    print("$", " ".join(argv), flush=True)
    subprocess.run(argv, cwd=cwd, env=env, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=f"{sys.version_info[0]}.{sys.version_info[1]}")
    args = parser.parse_args()
    home = BUILD / "ansible-test-home"
    cache = home / ".ansible" / "test" / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    shutil.copy(
        REPO / "tools" / "ansible_test_get_pip.py",
        cache / f"get_pip_{pip_version().replace('.', '_')}.py",
    )
    # outside the repository: inside it, ansible-test lists files with git, and build/ is
    # ignored there, so it would find nothing to test ("All targets skipped")
    outside = Path(tempfile.mkdtemp(prefix="communet-sanity-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env |= {
        "HOME": str(home),
        "ANSIBLE_HOME": str(home / ".ansible"),
        "PATH": f"{BIN}:{env['PATH']}",
    }
    run(
        [
            str(BIN / "ansible-galaxy"),
            "collection",
            "build",
            "--output-path",
            str(outside),
            str(REPO),
        ],
        outside,
        env,
    )
    [tarball] = outside.glob("communet-network-*.tar.gz")
    # from outside the repository: its ansible.cfg would show the working tree as installed
    run(
        [str(BIN / "ansible-galaxy"), "collection", "install", "-p", str(outside), str(tarball)],
        outside,
        env,
    )
    root = outside / "ansible_collections" / "communet" / "network"
    argv = [str(BIN / "ansible-test"), "sanity", "--python", args.python, "--color", "no"]
    print("$", " ".join(argv), flush=True)
    done = subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True, check=False)
    out = done.stdout + done.stderr
    print(out, end="")
    ran = out.count("Running sanity test")
    if done.returncode != 0 or "All targets skipped" in out or ran < 20:
        raise SystemExit(f"ansible-test sanity failed or tested nothing ({ran} tests ran)")
    shutil.rmtree(outside)
    print(f"ansible-test sanity: clean, {ran} tests")


if __name__ == "__main__":
    main()
