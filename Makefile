# The two set-up commands of README.md: `make run` and `make test`. Each builds the
# virtual environment first if it is missing or older than pyproject.toml.
PYTHON ?= python3
VENV ?= .venv
CORES ?= 2
BIN := $(VENV)/bin
TORCH := torch==2.13.0

# pyproject.toml's tool.musiclust.no-deps-requirements: packages installed without their
# dependencies (the musicnn wheel's weights, without its tensorflow and numpy<1.17).
export NO_DEPS_REQUIREMENTS := import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["tool"]["musiclust"]["no-deps-requirements"])

.PHONY: venv run test lint clean-results

venv: $(VENV)/.installed

# torch first and pinned: any other version would pull gigabytes of CUDA packages.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(TORCH)
	$(BIN)/python -m pip install --quiet -e '.[test,slurm]'
	$(BIN)/python -m pip install --quiet --no-deps $$($(BIN)/python -c "$$NO_DEPS_REQUIREMENTS")
	touch $@

run: venv
	$(BIN)/snakemake --cores $(CORES)

test: venv
	$(BIN)/python -m pytest

lint: venv
	$(BIN)/snakemake --lint

clean-results:
	rm -rf results resources .snakemake
