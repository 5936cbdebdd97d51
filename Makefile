# Two commands on a fresh machine: `make demo` and `make test`.
# Each creates .venv and installs what it needs (pinned by requirements.lock).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml requirements.lock | cksum | cut -d' ' -f1)

.PHONY: demo monitoring-demo test lint unit bench bench-exporter clean venv debian-deps bench-debian-deps

# Debian packages the tests use (net-snmp's snmpget talks to the lab's SNMP agent; promtool,
# from prometheus, checks the exporter's exposition).
DEBIAN_PACKAGES := snmp prometheus prometheus-alertmanager
# Only the exporter bench needs the peers it compares against.
BENCH_DEBIAN_PACKAGES := prometheus-blackbox-exporter prometheus-smokeping-prober
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

venv: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
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

test: lint unit

bench: $(STAMP)
	$(BIN)/python bench/inventory_load.py
	$(BIN)/python bench/ansible_inventory.py

# communet-exporter vs blackbox_exporter and smokeping_prober (about 15 minutes).
bench-exporter: $(STAMP) bench-debian-deps
	$(BIN)/python bench/exporter.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
