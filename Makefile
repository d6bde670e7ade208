# The two commands of the README: `make run` and `make test`. Everything they need is installed here.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | md5sum | cut -c1-12)
NODE_STAMP := tests/browser/node_modules/.installed

.PHONY: run test install lint format messages clean bench graph

$(PY):
	@PYTHON="$$(scripts/find-python.sh)" && echo "Using $$PYTHON" && "$$PYTHON" -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP) messages

messages: $(STAMP)
	@command -v msgfmt >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext)
	@$(VENV)/bin/django-admin compilemessages --ignore=.venv --verbosity=0

run: install
	scripts/run.sh

$(NODE_STAMP): tests/browser/package.json
	cd tests/browser && npm ci --silent --no-audit --no-fund
	touch $@

test: install $(NODE_STAMP)
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	SECRET_KEY=mypy-reads-the-settings $(VENV)/bin/mypy .
	scripts/test.sh -n 2 --dist loadfile

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install
	$(PY) bench/page_vs_static.py
	$(PY) bench/feedback_post.py
	$(PY) bench/triage_list.py
	$(PY) bench/round_dashboard.py
	$(PY) bench/digest_sweep.py
	$(PY) bench/search.py

# The proposal state graph in docs/: the .dot source (a test keeps it current) and an SVG of it.
graph: install
	@command -v dot >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz)
	DEBUG=true $(PY) manage.py graph_transitions governance.ChangeProposal > docs/proposal-states.dot
	dot -Tsvg docs/proposal-states.dot -o docs/proposal-states.svg

clean:
	rm -rf $(VENV) var tests/browser/node_modules
