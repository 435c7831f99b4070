# The two commands of the README. Both create .venv and install the project if needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO := demo

.PHONY: demo test lint fixtures clean

$(BIN)/cchc: pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/cchc

demo: $(BIN)/cchc
	$(BIN)/python -m tests.fixtures.demo_inbox $(DEMO)/inbox
	$(BIN)/python -m cchc.demo $(DEMO)

test: $(BIN)/cchc
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: $(BIN)/cchc
	$(BIN)/ruff check .

# Re-render the committed fixtures (needs LibreOffice; `make test` does not).
fixtures: $(BIN)/cchc
	$(BIN)/python -m tests.fixtures.generate

clean:
	rm -rf $(DEMO) .pytest_cache
