# mirnb: the two commands are `make book` and `make test` (see README.md).
# Everything else here is a step they call.

PYTHON  ?= python3
VENV    ?= .venv
PROFILE ?= default
JOBS    ?= 2
# FORCE=1: execute every chapter, even those whose executed notebook is up to date
FORCE   ?=
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.mirnb-installed

.PHONY: book test env data notebooks html smoke clean-book clean-chapters benchmarks

## make book: environment, synthetic corpus, every chapter executed, HTML book.
book: notebooks html
	@echo "The book is at book/_build/html/index.html"

## make test: environment, then the whole test suite (TensorFlow backend), then
## the model tests again under JAX: the models are backend-agnostic. The JAX
## pass checks results, not speed, so XLA compiles with its cheapest settings
## (its time on 2 cores: 101 s at XLA's defaults, 72 s so).
XLA_TEST_FLAGS := --xla_backend_optimization_level=0 --xla_llvm_disable_expensive_passes=true
test: env
	$(BIN)/python -m pytest -n $(JOBS) --durations=15
	KERAS_BACKEND=jax XLA_FLAGS="$$XLA_FLAGS $(XLA_TEST_FLAGS)" \
	  $(BIN)/python -m pytest -n $(JOBS) -m "jax and not slow_on_jax"

## make lab: JupyterLab from the project's environment, on notebooks/. A
## double-click opens a chapter NN_<chapter>.py as a notebook: jupytext's
## contents manager (its server extension, enabled in the venv) reads and saves
## the .py (and the paired .ipynb), and notebooks/.jupyter/labconfig, put first
## on the Jupyter config path, makes "Jupytext Notebook" the default viewer of
## Python files. The kernel is the venv's python3, so `import mirnb` works.
## As root (a container) it adds --allow-root; LAB_ARGS passes more options,
## e.g. make lab LAB_ARGS="--no-browser --port=8890".
.PHONY: lab
LAB_ARGS ?=
lab: env
	JUPYTER_CONFIG_PATH="$(CURDIR)/notebooks/.jupyter$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH}" \
	  $(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)/notebooks" \
	  $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

## The environment: a venv with mirnb installed (editable) and its test extras.
## uv installs them (the same releases pip would pick: 37 s against 88 s from an
## empty cache, 2 cores), compiled to bytecode as pip does: where
## PYTHONDONTWRITEBYTECODE is set (this CI), every kernel and test worker would
## otherwise compile TensorFlow's and Keras's sources again on import.
## pip installs uv.
env: $(STAMP)
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/python -m uv pip install --quiet --compile-bytecode --python $(BIN)/python -e '.[test]'
	$(BIN)/python -m mirnb.warmup
	touch $(STAMP)

## The synthetic corpus for PROFILE (cached: regenerated only when it changes).
## The paper profile reads real data, so it needs no synthetic corpus.
data: env
ifneq ($(PROFILE),paper)
	$(BIN)/mirnb data synth --profile $(PROFILE) --jobs $(JOBS)
endif

## Execute every chapter with papermill into book/chapters/, JOBS at a time
## (the comparison last); a chapter whose notebook, code, parameters and
## corpus are unchanged is not executed again.
notebooks: data
	$(BIN)/mirnb run --profile $(PROFILE) --jobs $(JOBS) $(if $(filter 1,$(FORCE)),--force)

## Build the HTML from the executed notebooks (no execution by Jupyter Book).
html: env
	$(BIN)/mirnb book

## The quick end-to-end check: smoke corpus, smoke chapters, book.
smoke:
	$(MAKE) book PROFILE=smoke

benchmarks: env
	$(BIN)/python benchmarks/synth.py
	$(BIN)/python benchmarks/features.py
	$(BIN)/python benchmarks/chapters.py

## Remove the built HTML only; the executed chapters (hours of paper-profile
## runs, perhaps) stay in book/chapters/.
clean-book:
	rm -rf book/_build

## Remove the executed chapters too, on purpose: `make notebooks` re-runs them.
clean-chapters: clean-book
	rm -rf book/chapters
