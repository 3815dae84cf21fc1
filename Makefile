# The commands a fresh machine needs:  `make demo`,  `make test`  and  `make docs`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# Quiet installs (-qq: errors only): no progress, no per-package warnings, no pip notices.
PIP := PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore PIP_NO_WARN_SCRIPT_LOCATION=1 \
	$(PY) -m pip install -qq --progress-bar off

.PHONY: demo test docs install bench bench-env clean

$(VENV)/bin/python:
	@echo "Creating $(VENV) with $(PYTHON)..."
	@$(PYTHON) -m venv $(VENV)
	@$(PIP) --upgrade pip

# One stamp per extra, so `make demo` installs only what the demo needs.
$(VENV)/.installed-%: pyproject.toml | $(VENV)/bin/python
	@echo "Installing skipjack[$*] into $(VENV) (once; quiet)..."
	@$(PIP) -e ".[$*]"
	@touch $@

install: $(VENV)/.installed-test

demo: $(VENV)/.installed-demo
	@$(PY) examples/demo.py

test: $(VENV)/.installed-test
	$(PY) -m pytest -q -p no:cacheprovider -n 2 --dist loadfile

docs: $(VENV)/.installed-docs
	$(PY) -m mkdocs build --strict --quiet --site-dir build/docs

# The anchors (Optuna 5, Rustuna) and the benchmark-only libraries, in their own venv: never in
# the package's. The benchmarks take it with --anchor-python .benchenv/bin/python.
BENCHENV ?= .benchenv
$(BENCHENV)/.installed: benchmarks/requirements.txt
	@echo "Creating $(BENCHENV) with the benchmark anchors (once; quiet)..."
	@$(PYTHON) -m venv $(BENCHENV)
	@PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore $(BENCHENV)/bin/python -m pip install \
		-qq --progress-bar off -r benchmarks/requirements.txt
	@touch $@

bench-env: $(BENCHENV)/.installed

bench: $(VENV)/.installed-test $(BENCHENV)/.installed
	$(PY) benchmarks/overhead.py --anchor-python $(BENCHENV)/bin/python

clean:
	rm -rf $(VENV) build *.egg-info demo.db demo-history.html
