"""``make demo``: the main job against the embedded demo province, step by step.

Each step is the real command a user would type, printed before it runs.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def step(title: str, argv: list[str]) -> None:
    print(f"\n=== {title}\n$ {shlex.join(argv)}", flush=True)
    subprocess.run(argv, check=True)


def main() -> None:
    communet = str(BIN / "communet")
    step("Validate the demo province", [communet, "inventory", "validate", "inventory/demo"])
    step("Its devices and derived addresses", [communet, "inventory", "show", "inventory/demo"])
    step(
        "The same inventory as Ansible sees it (communet inventory plugin)",
        [str(BIN / "ansible-inventory"), "-i", "inventory/demo.communet.yml", "--graph"],
    )
    if Path("inventory/thanh-hoa/province.yml").is_file():
        step(
            "The example production province, validated offline (never connected to)",
            [communet, "--lang", "vi", "inventory", "validate", "inventory/thanh-hoa"],
        )


if __name__ == "__main__":
    main()
