# The two commands of the README. Both create .venv and install the project when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO := demo
N ?= 200

.PHONY: demo test lint fixtures bench bench-night bench-desk bench-desk-wait bench-mailbox \
	bench-upload fuzz \
	clean \
	system-test system-office

# Debian packages that tests start (PACKAGE=a file it installs): the desk's browser, the IMAP
# server, LibreOffice Writer (the return letter is rendered and its layout checked) with the
# Times-compatible fonts. Installed by `make test` when missing (apt-get, as root), or named in
# one line before any test runs.
TEST_PACKAGES := chromium=/usr/bin/chromium dovecot-imapd=/usr/lib/dovecot/imap \
	libreoffice-writer=/usr/bin/soffice \
	fonts-liberation2=/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf
# LibreOffice Calc as well renders the benchmark's and the fixtures' reports.
OFFICE_PACKAGES := libreoffice-writer=/usr/bin/soffice \
	libreoffice-calc=/usr/lib/libreoffice/program/libsclo.so \
	fonts-liberation2=/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf

$(BIN)/cchc: pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/cchc

# A sample district inbox (Huyện Hoằng Hóa, 9 tháng 2024) and a province one on the 2025 map
# (Tỉnh Thanh Hóa, 9 tháng 2025), the real pipeline on them, the summaries.
demo: $(BIN)/cchc
	$(BIN)/python -m tests.fixtures.demo_inbox $(DEMO)/inbox
	$(BIN)/cchc ingest $(DEMO)/inbox --db $(DEMO)/cchc.duckdb --archive $(DEMO)/archive \
		--docs $(DEMO)/validation
	$(BIN)/cchc summary --district 399 --period 2024-9M --db $(DEMO)/cchc.duckdb \
		--out $(DEMO)/summary
	$(BIN)/python -m tests.fixtures.demo_province $(DEMO)/inbox-2025
	$(BIN)/cchc ingest $(DEMO)/inbox-2025 --db $(DEMO)/cchc.duckdb --archive $(DEMO)/archive \
		--docs $(DEMO)/validation
	$(BIN)/cchc summary --province 38 --period 2025-9M --db $(DEMO)/cchc.duckdb \
		--out $(DEMO)/summary
	@echo
	@echo "Warehouse: $(DEMO)/cchc.duckdb   (try: $(BIN)/cchc status --db $(DEMO)/cchc.duckdb)"
	@echo "Archive:   $(DEMO)/archive"
	@echo "Run summary and validation report: printed above, and under $(DEMO)/validation"
	@echo "Summary:   $(DEMO)/summary (workbook and HTML report of Huyện Hoằng Hóa, 9 tháng 2024,"
	@echo "           and of Tỉnh Thanh Hóa on the 2025 map, 9 tháng 2025)"
	@echo "Review desk: $(BIN)/cchc user add admin --role admin --db $(DEMO)/cchc.duckdb"
	@echo "             $(BIN)/cchc web --db $(DEMO)/cchc.duckdb   then open http://127.0.0.1:8080/"

test: $(BIN)/cchc system-test
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: $(BIN)/cchc
	$(BIN)/ruff check .

# Re-render the committed fixtures, the page-break sweep too (needs LibreOffice; `make test`
# does not).
fixtures: $(BIN)/cchc system-office
	$(BIN)/python -m tests.fixtures.generate
	$(BIN)/python -m tests.fixtures.page_breaks

# Everything measured: a night of N reports (bench/run.py), the desk's pages on 50,000 reports
# (bench/desk.py), how long an officer's action waits during a 2,000-report night
# (bench/desk_wait.py), a 500-message pull of the office mailbox (bench/mailbox.py) and an upload's
# verdict at the desk (bench/upload.py). Renders reports with LibreOffice once; an hour or more on
# 2 cores.
bench: system-office bench-night bench-desk bench-mailbox bench-upload
	$(BIN)/python -m bench.desk_wait --n 2000

# Time an upload's verdict at the desk, as a commune sees it (see bench/upload.py).
bench-upload: $(BIN)/cchc
	$(BIN)/python -m bench.upload --n 10

# Pull a 500-message office mailbox from a real Dovecot on loopback (see bench/mailbox.py).
bench-mailbox: $(BIN)/cchc
	$(BIN)/python -m bench.mailbox --n 500

# Benchmark a night of N reports (renders them with LibreOffice once; see bench/run.py).
bench-night: $(BIN)/cchc system-office
	$(BIN)/python -m bench.run --n $(N)

# Time each page of the review desk on the 50,000-report warehouse (see bench/desk.py), then
# 50 concurrent clients on the glance and a report page (bench/desk_load.py).
bench-desk: $(BIN)/cchc
	$(BIN)/python -m bench.desk
	$(BIN)/python -m bench.desk_load --clients 50 --seconds 30

# N damaged copies of the fixtures, each read in its own process (see tests/fuzz.py).
fuzz: $(BIN)/cchc
	$(BIN)/python -m tests.fuzz --n $(N)

# The longest an officer's action waits while an ingest of N reports runs (see bench/desk_wait.py).
bench-desk-wait: $(BIN)/cchc system-office
	$(BIN)/python -m bench.desk_wait --n $(N)

system-test:
	@scripts/system_packages.sh "make test" $(TEST_PACKAGES)

system-office:
	@scripts/system_packages.sh "make $(MAKECMDGOALS)" $(OFFICE_PACKAGES)

clean:
	rm -rf $(DEMO) .pytest_cache
