#!/bin/sh
# Print a Python >= 3.12 for the controller (ansible-core 2.20+ needs it), or explain on
# stderr what to install and fail. Order: the newest 3.13/3.12 under pyenv, then
# python3.13, python3.12, python3 on PATH.
ok() { "$1" -c 'import sys, venv; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; }
root=$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
for candidate in $(ls -d "$root"/versions/3.13* "$root"/versions/3.12* 2>/dev/null | sort -rV); do
  if ok "$candidate/bin/python3"; then echo "$candidate/bin/python3"; exit 0; fi
done
for name in python3.13 python3.12 python3; do
  path=$(command -v "$name" 2>/dev/null) || continue
  if ok "$path"; then echo "$path"; exit 0; fi
done
cat >&2 <<'MSG'
error: no Python >= 3.12 with venv found (ansible-core 2.20+ needs it on the controller;
Debian 12 and Ubuntu 22.04 ship 3.11 / 3.10). Install one, then run make again:
  - pyenv:          pyenv install 3.13 (make finds $(pyenv root)/versions/3.13*)
  - uv:             uv python install 3.13, then make PYTHON=$(uv python find 3.13)
  - Ubuntu 22.04:   sudo add-apt-repository ppa:deadsnakes/ppa && sudo apt install python3.13-venv
or point make at one: make PYTHON=/path/to/python3.13 test
MSG
exit 1
