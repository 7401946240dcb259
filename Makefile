# Two entry points, both doing their own set-up on a fresh machine:
#   make run   - install runtime deps into .venv and start the bot
#   make test  - install dev deps into .venv, run the checks (ruff, basedpyright), then pytest
# Any Python 3.11 or newer builds .venv: make run PYTHON=python3.12
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PIP_DISABLE_PIP_VERSION_CHECK := 1

# Static checks `make test` runs before pytest, each a target of its own below.
CHECKS := lint typecheck

.DEFAULT_GOAL := run
.PHONY: run test lint typecheck bench lock translations clean python-check FORCE

# Checked only when a target needs .venv, before anything is made: one line and stop,
# rather than a venv half-made by a Python that is too old or lacks the venv module.
PYTHON_STATE = $(shell $(PYTHON) -c 'import sys; v = sys.version_info; print("ok" if v >= (3, 11) else "Python %d.%d.%d" % v[:3])' 2>/dev/null || echo "not found")
VENV_MODULE = $(shell $(PYTHON) -c 'import venv, ensurepip' 2>/dev/null && echo ok)
OLD_PYTHON = Python 3.11 or newer is needed; $(PYTHON) is $(PYTHON_STATE). Install one, or run: make $(or $(MAKECMDGOALS),run) PYTHON=python3.12
NO_VENV = $(PYTHON) cannot make a virtualenv. Install python3-venv (Debian, Ubuntu: apt-get install python3-venv)

python-check:
	$(if $(filter ok,$(PYTHON_STATE)),,$(error $(OLD_PYTHON)))
	$(if $(VENV_MODULE),,$(error $(NO_VENV)))

# .venv/.made marks a finished virtualenv. It is checked on every run (FORCE) and the venv
# rebuilt when its python does not start, has no pip or is not $(PYTHON)'s version: a venv
# left half-made by an old Python or a failed first run then mends itself.
$(VENV)/.made: FORCE | python-check
	@want=$$($(PYTHON) -c 'import sys; print(sys.version_info[:2])'); \
	have=$$($(BIN)/python -c 'import sys, pip; print(sys.version_info[:2])' 2>/dev/null) || have=; \
	if [ "$$have" = "$$want" ]; then [ -f $@ ] || touch $@; exit 0; fi; \
	if [ -e $(VENV) ]; then echo "make: $(VENV) is broken or of another Python; rebuilding it" >&2; \
	else echo "make: creating $(VENV) with $(PYTHON)" >&2; fi; \
	rm -rf $(VENV); \
	$(PYTHON) -m venv $(VENV) && $(BIN)/python -m pip install --quiet --upgrade pip \
	    || { rm -rf $(VENV); echo "make: could not build $(VENV) with $(PYTHON) (see above)" >&2; exit 1; }; \
	touch $@

# From the locks: every package, transitive ones too, at one version with its hashes, so
# every machine (and CI, and the Docker image) installs the same thing.
$(VENV)/.runtime: requirements.lock $(VENV)/.made
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	@touch $@

$(VENV)/.dev: requirements.lock requirements-dev.lock $(VENV)/.made
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	@touch $@ $(VENV)/.runtime

run: $(VENV)/.runtime
	$(BIN)/python bot.py

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# basedpyright ships its engine in the wheel: nothing is fetched at run time.
typecheck: $(VENV)/.dev
	$(BIN)/basedpyright --project pyproject.toml

test: $(CHECKS) $(VENV)/.dev
	$(BIN)/python -m pytest

bench: $(VENV)/.dev
	$(BIN)/python -m benchmarks

# The locks, from requirements.txt and requirements-dev.txt (the pins people edit). Remake
# them after changing either (needs PyPI); a test fails while they disagree.
LOCK = $(BIN)/pip-compile --quiet --generate-hashes --strip-extras --no-emit-index-url
lock: $(VENV)/.made
	$(BIN)/python -m pip install --quiet pip-tools==7.6.2
	$(LOCK) --output-file requirements.lock requirements.txt
	$(LOCK) --output-file requirements-dev.lock requirements-dev.txt

# Templates from the source and the command tree, merged into every language's .po; new
# or changed English then needs its translation (make test says which).
translations: $(VENV)/.runtime
	$(BIN)/pybabel -q extract -F babel.cfg --add-location=file --width=100 \
	    --project=qwen-image-discord-bot --copyright-holder="the qwen-image-discord-bot authors" \
	    -o locales/bot.pot .
	$(BIN)/python -m runtime.command_translator locales/commands.pot
	for domain in bot commands; do \
	    $(BIN)/pybabel -q update -i locales/$$domain.pot -d locales -D $$domain --width=100 \
	        --ignore-obsolete || exit 1; \
	done

clean:
	rm -rf $(VENV)
