# Tongxin — make run | make test | make build | make lint | make bench
GO      ?= go
BIN     := bin/tongxin
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS := -s -w -X tongxin/internal/app.Version=$(VERSION) -X tongxin/internal/app.Commit=$(COMMIT)
# Test flags; .ci/run adds nothing here but sets TONGXIN_REQUIRE_POSTGRES=1 and TONGXIN_REQUIRE_BROWSER=1.
TESTFLAGS ?= -race -count=1 -timeout 12m
# internal/web drives the server through its router one request at a time (thousands of requests:
# the authorization matrix, the crawl, the browser journeys), where the race detector costs ~7x and
# finds nothing new: that package runs without it, then its concurrency tests (parallel claims, role
# changes polled from another process, two instances) run again under it. Every other package runs
# under the race detector, at the same time as internal/web, except internal/importer: it has no
# goroutines, and inflating its hostile spreadsheets (600 MB bombs) under the detector took minutes.
# The longest of its tests (browser journeys, the matrix, the crawl, slow bodies) wait on the
# browser and the database more than they compute: they are marked t.Parallel and run three at a time.
WEBFLAGS  ?= -count=1 -timeout 20m -parallel 3
RACE_WEB  ?= Concurrent|ReachesTheServer|ToldOfHandOvers|Instance
# Fuzzing: each Fuzz* target of the repository runs FUZZTIME (its checked-in
# seed corpus in testdata/fuzz/ first), one worker each (FUZZFLAGS). A count,
# not a duration: with a duration Go 1.26's fuzz coordinator can report its own
# deadline as a failure on a loaded machine (golang/go#75804); a count has no
# deadline to race. 100 inputs take a few seconds even for the router targets.
FUZZTIME  ?= 100x
FUZZFLAGS ?= -parallel=1

.PHONY: run build test fuzz lint vet fmt bench clean

## run: build, create the demo accounts and serve on SQLite at http://127.0.0.1:8080
run: build
	@mkdir -p data
	TONGXIN_DEV=true ./$(BIN) seed --demo
	TONGXIN_DEV=true ./$(BIN) serve

## build: a static binary in bin/
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/tongxin

## test: vet and every test (race detector on, see WEBFLAGS; Postgres and browser halves skip when absent unless required),
## then, beside internal/web, the fuzz targets (make fuzz) after the other packages
test: vet
	@{ CGO_ENABLED=1 $(GO) test $(TESTFLAGS) $$($(GO) list ./... | grep -vE '/internal/(web|importer)$$') && \
	   CGO_ENABLED=1 $(GO) test $(WEBFLAGS) ./internal/importer && $(MAKE) --no-print-directory fuzz; } & others=$$!; \
	CGO_ENABLED=1 $(GO) test $(WEBFLAGS) ./internal/web && \
	CGO_ENABLED=1 $(GO) test $(TESTFLAGS) -run '$(RACE_WEB)' ./internal/web; web=$$?; \
	wait $$others; rest=$$?; test $$web -eq 0 && test $$rest -eq 0

## fuzz: every Fuzz* function of the repository (found by go test -list in the packages that
## declare one), each for FUZZTIME (default 100x: a hundred generated inputs); a failure leaves its input in testdata/fuzz/
fuzz:
	@set -e; \
	dirs=$$(grep -rlE --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*\(' internal cmd 2>/dev/null | xargs -r -n1 dirname | sort -u); \
	n=0; for dir in $$dirs; do \
	  for name in $$($(GO) test -list '^Fuzz' ./$$dir | grep -E '^Fuzz'); do \
	    n=$$((n+1)); \
	    out=$$(CGO_ENABLED=1 $(GO) test -run "^$$name\$$" -fuzz "^$$name\$$" -fuzztime=$(FUZZTIME) $(FUZZFLAGS) -v ./$$dir 2>&1) || { echo "$$out"; echo "FAIL fuzz $$dir $$name"; exit 1; }; \
	    execs=$$(echo "$$out" | grep -oE 'execs: [0-9]+' | tail -1 | cut -d' ' -f2); \
	    case "$(FUZZTIME)" in *x) execs="$(FUZZTIME:x=)";; esac; \
	    echo "fuzz ./$$dir $$name: seed corpus and $${execs:-0} generated inputs, no failure"; \
	  done; \
	done; \
	test $$n -gt 0 || { echo "no fuzz targets found"; exit 1; }; echo "fuzz: $$n targets, $(FUZZTIME) each"

## lint: gofmt and go vet
lint: vet
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

## bench: the city-scale benchmark on SQLite and Postgres (never part of make test); see docs/benchmarks.md
## BENCH_DB=sqlite|postgres|sqlite,postgres  BENCH_SCALE=1|10  BENCH_DURATION=10s (each page)  BENCH_STEP=5s (each rate)
export BENCH_DB BENCH_SCALE BENCH_DURATION BENCH_STEP BENCH_RATE BENCH_NOTE BENCH_OUT BENCH_POSTGRES_URL
bench: build
	./$(BIN) bench

clean:
	rm -rf bin test-artifacts

## chaos: the crash suite (never part of make test): kill -9 the server under API writes on SQLite and Postgres,
## check every acknowledged write and the invariants, write the figure into docs/reliability.md (docs/reliability.md)
## CHAOS_DB=sqlite,postgres  CHAOS_KILLS=10  CHAOS_CLIENTS=8  CHAOS_POSTGRES_URL=…  CHAOS_DOC=- (leave the page alone)
export CHAOS_DB CHAOS_KILLS CHAOS_CLIENTS CHAOS_MIN_GAP_MS CHAOS_MAX_GAP_MS CHAOS_POSTGRES_URL CHAOS_DOC
.PHONY: chaos soak
chaos: build
	$(GO) run ./internal/bench/cmd/chaos --binary $(BIN)

## soak: 30 minutes of mixed load at half the measured capacity on Postgres (never in CI): memory, goroutines and
## p95 flat, zero errors; writes the figure into docs/reliability.md
## SOAK_DURATION=30m  SOAK_RATE=(half the measured capacity)  SOAK_DB=postgres  SOAK_SCALE=0.1  SOAK_SAMPLE=1m  SOAK_NOTE=…
export SOAK_DURATION SOAK_RATE SOAK_DB SOAK_SCALE SOAK_SAMPLE SOAK_STEP SOAK_NOTE SOAK_POSTGRES_URL SOAK_DOC
soak: build
	$(GO) run ./internal/bench/cmd/soak --binary $(BIN)
