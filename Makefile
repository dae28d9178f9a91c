# dedup: see README.md. `make demo` runs the main job, `make test` the tests.
GO      ?= go
BIN     := bin/dedup
PKGS    := ./...
FUZZTIME ?= 10s
FUZZPKGS ?= ./...

.PHONY: all build test lint demo bench fuzz refdata clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/dedup

# Tests include the fuzz seed corpora (they run as ordinary tests), gofmt and vet.
test: lint
	$(GO) test -count=1 -timeout 15m $(PKGS)

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

demo: build
	./scripts/demo.sh

bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

# Each fuzz target runs briefly (FUZZTIME each; FUZZPKGS narrows the
# packages); go test -fuzz takes one target at a time. Plain `make test`
# already runs every seed corpus.
fuzz:
	@for pkg in $$($(GO) list $(FUZZPKGS)); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "fuzz $$pkg $$t"; \
	    $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 2s $$pkg || exit 1; \
	  done; \
	done

# Regenerate the embedded reference tables from ../shared/data/vn.
refdata:
	$(GO) generate ./refdata

clean:
	rm -rf bin demo-out

# Render `dedup report` in headless Chromium to a PNG, to check its look.
# REPORT_RUN=DIR reports on an existing run (REPORT_EVAL=FILE adds an eval);
# by default a 3000-person demo is generated, run and evaluated in REPORT_DIR.
REPORT_DIR ?= /tmp/dedup-report
REPORT_RUN ?=
REPORT_EVAL ?=
CHROMIUM ?= chromium

.PHONY: report-screenshot
report-screenshot: build
	@command -v $(CHROMIUM) >/dev/null 2>&1 || { \
	  echo "report-screenshot: $(CHROMIUM) not found. Install Chromium (Debian: apt-get install chromium) or set CHROMIUM=path."; exit 1; }
	@mkdir -p $(REPORT_DIR)
	@run="$(REPORT_RUN)"; ev="$(REPORT_EVAL)"; \
	if [ -z "$$run" ]; then \
	  $(BIN) gen --people 3000 --seed 7 --out $(REPORT_DIR)/gen --quiet >/dev/null && \
	  $(BIN) run --out $(REPORT_DIR)/run --quiet $(REPORT_DIR)/gen/population >/dev/null && \
	  $(BIN) eval --truth $(REPORT_DIR)/gen/truth/population.parquet --run $(REPORT_DIR)/run --json $(REPORT_DIR)/eval.json >/dev/null || exit 1; \
	  run=$(REPORT_DIR)/run; ev=$(REPORT_DIR)/eval.json; \
	fi; \
	$(BIN) report --run "$$run" $${ev:+--eval "$$ev"} --html $(REPORT_DIR)/report.html || exit 1; \
	profile=$$(mktemp -d); \
	$(CHROMIUM) --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update \
	  --disable-sync --no-first-run --user-data-dir=$$profile --screenshot=$(REPORT_DIR)/report.png \
	  --window-size=1280,4000 file://$$(realpath $(REPORT_DIR)/report.html) >/dev/null 2>&1; rc=$$?; \
	rm -rf $$profile; \
	[ $$rc -eq 0 ] && [ -s $(REPORT_DIR)/report.png ] || { echo "report-screenshot: chromium failed ($$rc)"; exit 1; }; \
	echo "report: $(REPORT_DIR)/report.html  screenshot: $(REPORT_DIR)/report.png"

# Scale and peer benchmarks (benchmarks/README.md); rows go to
# benchmarks/RESULTS.md. Generated registers are kept in benchmarks/work/.
# bench-peer prints two ratios against DuckDB: blocking + Jaro-Winkler, and
# end to end (dedup run --model against Splink-style SQL; RUNS=3 each,
# alternating; LOCK=/work/heavy.lock on a shared machine).
SIZES ?= 1000000
.PHONY: bench-scale bench-peer
bench-scale: build
	SIZES="$(SIZES)" ./benchmarks/scale.sh

bench-peer: build
	SIZES="$(SIZES)" ./benchmarks/peer.sh
