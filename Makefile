# The two commands a newcomer needs: `make run` and `make test`. Both set up .venv themselves.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test mutation clean

# `make run PORT=8080` (and HOST=0.0.0.0 to listen on every interface); left out, the settings
# decide (STILLMOTION_PORT / STILLMOTION_HOST, default 127.0.0.1:8000).
run: $(VENV)/.installed
	$(BIN)/stillmotion serve $(if $(HOST),--host $(HOST)) $(if $(PORT),--port $(PORT))

# One test process per CPU (pytest-xdist): most tests wait on a server subprocess or a render, so the
# suite's wall time nearly halves on CI's two cores. A module's tests stay on one process (loadscope),
# so its server fixtures start once. `TEST_WORKERS=0` runs everything in this process.
TEST_WORKERS ?= auto
test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadscope

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

# The tests cover the diffusion engine with tiny models on the CPU, so they need the `gpu` extra,
# and S3 storage against a moto server, so the `s3` extra;
# torch is pinned first so pip takes the CPU build instead of a multi-GB CUDA one.
TORCH ?= torch==2.13.0

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet "$(TORCH)"
	$(BIN)/pip install --quiet -e ".[test,gpu,s3]"
	touch $@ $(VENV)/.installed

# Mutation testing per package with its fast tests, each under a time bound (docs/testing.md):
# `make mutation PACKAGES="inputs api" MUTATION_SECONDS=600`. Long; not part of `make test`.
PACKAGES ?=
MUTATION_SECONDS ?= 900
mutation: $(VENV)/.installed-test
	$(BIN)/python scripts/mutation.py $(PACKAGES) --seconds $(MUTATION_SECONDS)

clean:
	rm -rf $(VENV) data test-artifacts mutation
