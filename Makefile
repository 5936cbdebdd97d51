# Two commands on a fresh machine: `make demo` and `make test`.
# Each creates .venv and installs what it needs (pinned by requirements.lock).
# The controller needs Python >= 3.12 (ansible-core 2.20+); Debian 12's python3 is 3.11.
# PYTHON=... wins; else the newest 3.13/3.12 under pyenv, then python3.13/python3.12/python3
# on PATH (tools/find-python.sh says what to install when there is none).
PYTHON ?= $(shell sh tools/find-python.sh)
VENV   := .venv
BIN    := $(VENV)/bin
# setup.py and the C sources too: the editable install compiles them in place
NATIVE := setup.py communet/probe/_echo.c exporter/communet_exporter/_render.c
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml requirements.lock $(NATIVE) | cksum | cut -d' ' -f1)

.PHONY: bench-peer ee demo monitoring-demo test lint unit sanity test-ansible-2.20 bench bench-exporter clean venv debian-deps bench-debian-deps

# Debian packages the tests use (net-snmp's snmpget talks to the lab's SNMP agent; promtool,
# from prometheus, checks the exporter's exposition; chromium renders the readiness matrix
# headless; alertmanager's amtool checks the generated Alertmanager configuration, and the
# end-to-end NOC tests run Alertmanager itself).
DEBIAN_PACKAGES := snmp prometheus prometheus-alertmanager chromium
# Only the exporter bench needs the peers it compares against.
BENCH_DEBIAN_PACKAGES := prometheus-blackbox-exporter prometheus-smokeping-prober
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

venv: $(STAMP)

$(STAMP): pyproject.toml requirements.lock $(NATIVE)
	@test -n "$(PYTHON)" || { sh tools/find-python.sh >/dev/null; exit 1; }
	@# a .venv made by an older Python (3.11) is replaced, not patched
	@$(BIN)/python -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null \
	  || { rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

debian-deps bench-debian-deps: PACKAGES = $(if $(filter bench-%,$@),$(BENCH_DEBIAN_PACKAGES),$(DEBIAN_PACKAGES))
debian-deps bench-debian-deps:
	@missing=""; for p in $(PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing (as root; otherwise through sudo)"; \
	  $(SUDO) apt-get install -y -qq $$missing \
	    || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $$missing; }; \
	fi

demo: $(STAMP)
	$(BIN)/python -m communet_cli.demo

# The NOC in a minute: lab, exporter, Prometheus, Alertmanager, a commune and a hub failing.
monitoring-demo: $(STAMP) debian-deps
	$(BIN)/python -m communet_cli.monitoring_demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

unit: $(STAMP) debian-deps
	$(BIN)/pytest -n 2 -q

# The execution environment's build context (AWX / AAP): build/ee (see docs/awx.md).
ee: $(STAMP)
	rm -rf build/ee-src build/ee && mkdir -p build/ee-src
	@# the pure-Python wheel (py3-none-any): the image's Python is not this one
	COMMUNET_PURE_PYTHON=1 $(BIN)/python -m pip wheel --quiet --no-deps --no-build-isolation -w build/ee-src .
	$(BIN)/ansible-galaxy collection build --output-path build/ee-src .
	$(BIN)/ansible-builder create -f execution-environment.yml -c build/ee --output-filename Containerfile

# ansible-test sanity on the built collection (tools/sanity.py: no Docker, venvs from PyPI).
sanity: $(STAMP)
	$(BIN)/python tools/sanity.py

# The other supported ansible-core series (meta/runtime.yml: >=2.20,<2.22): the same lock
# but ansible-core 2.20.x, in its own venv; the Ansible tests (inventory plugin, collection,
# playbooks over the lab) run there too.
ANSIBLE_OTHER  := 2.20.10
VENV_OTHER     := .venv-ansible-2.20
STAMP_OTHER    := $(VENV_OTHER)/.installed-$(ANSIBLE_OTHER)-$(shell cat pyproject.toml requirements.lock | cksum | cut -d' ' -f1)

$(STAMP_OTHER): pyproject.toml requirements.lock
	@test -n "$(PYTHON)" || { sh tools/find-python.sh >/dev/null; exit 1; }
	@test -x $(VENV_OTHER)/bin/python || $(PYTHON) -m venv $(VENV_OTHER)
	grep -v '^ansible-core==' requirements.lock > $(VENV_OTHER)/requirements.txt
	$(VENV_OTHER)/bin/python -m pip install --quiet --disable-pip-version-check \
	  -r $(VENV_OTHER)/requirements.txt ansible-core==$(ANSIBLE_OTHER)
	$(VENV_OTHER)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@rm -f $(VENV_OTHER)/.installed-*
	@touch $@

test-ansible-2.20: $(STAMP_OTHER) debian-deps
	$(VENV_OTHER)/bin/python -c "import ansible.release as r; print('ansible-core', r.__version__)"
	$(VENV_OTHER)/bin/pytest -n 2 -q -p no:cacheprovider -k "not ansible_lint" \
	  tests/test_ansible_inventory.py tests/ansible_roles

test: lint unit sanity test-ansible-2.20

# The ios_config peer's own venv for bench/provision.py --peer (pins: bench/requirements-peer.txt).
bench-peer: $(STAMP)
	@test -x $(VENV)/bench-peer/bin/python || $(PYTHON) -m venv $(VENV)/bench-peer
	$(VENV)/bench-peer/bin/python -m pip install --quiet --disable-pip-version-check \
	  -r bench/requirements-peer.txt

bench: $(STAMP)
	$(BIN)/python bench/inventory_load.py
	$(BIN)/python bench/ansible_inventory.py

# communet-exporter vs blackbox_exporter and smokeping_prober (about 15 minutes).
bench-exporter: $(STAMP) bench-debian-deps
	$(BIN)/python bench/exporter.py

clean:
	rm -rf $(VENV) $(VENV_OTHER) build .mypy_cache .ruff_cache .pytest_cache
