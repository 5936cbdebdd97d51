# Two commands on a fresh machine: `make demo` and `make test`.
# Each creates .venv and installs what it needs (pinned by requirements.lock).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml requirements.lock | cksum | cut -d' ' -f1)

.PHONY: demo test lint unit bench clean venv debian-deps

# Debian packages the tests use (net-snmp's snmpget talks to the lab's SNMP agent; chromium
# renders the readiness matrix headless).
DEBIAN_PACKAGES := snmp chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

venv: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

debian-deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing (as root; otherwise through sudo)"; \
	  $(SUDO) apt-get install -y -qq $$missing \
	    || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $$missing; }; \
	fi

demo: $(STAMP)
	$(BIN)/python -m communet_cli.demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

unit: $(STAMP) debian-deps
	$(BIN)/pytest -n 2 -q

test: lint unit

bench: $(STAMP)
	$(BIN)/python bench/inventory_load.py
	$(BIN)/python bench/ansible_inventory.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
