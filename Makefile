# dedup: see README.md. `make demo` runs the main job, `make test` the tests.
GO      ?= go
BIN     := bin/dedup
PKGS    := ./...
FUZZTIME ?= 10s

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

# Each fuzz target runs briefly; go test -fuzz takes one target at a time.
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "fuzz $$pkg $$t"; \
	    $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

# Regenerate the embedded reference tables from ../shared/data/vn.
refdata:
	$(GO) generate ./refdata

clean:
	rm -rf bin demo-out
