# dip — see README.md. `make demo` and `make test` work on a fresh machine.
GO      ?= go
BIN     := bin/dip
export GOTOOLCHAIN := local

.PHONY: all build demo test test-short vet fuzz bench clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/dip

## demo: validate and render the embedded platform repo template in a scratch git repo.
demo: build
	@scripts/demo.sh $(BIN)

## test: every test, with the race detector.
test: vet
	$(GO) test -race -timeout 20m ./...
	@# Under the race detector the replica test sends 20 deliveries; here all 100.
	$(GO) test -count=1 -run '^TestReplicasShareTheWork$$' ./app/server/

test-short:
	$(GO) test -short ./...

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt would change:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...

## fuzz: run every fuzz target of the module (scripts/fuzz.sh finds them) for FUZZTIME each
## (default 30s); `scripts/fuzz.sh -l` lists them.
FUZZTIME ?= 30s
fuzz:
	GO=$(GO) FUZZTIME=$(FUZZTIME) scripts/fuzz.sh

## bench: Go benchmarks, whole-process timings on synthetic repos of 100, 1,000 and 10,000 requests,
## dip migrate of all-dip/v1 repos against dip validate of the same repos, dip audit on histories of
## 1,000 and 10,000 render commits, then webhook receipt of GitHub and GitLab deliveries against a
## plain handler: as fast as 32 clients can send, and at a fixed 2,100 deliveries/s
## (WEBHOOK_BENCH_FLAGS, e.g. -d 10s -db postgres://...).
WEBHOOK_BENCH_FLAGS ?= -d 2s -runs 3
bench: build
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 3x ./app/pipeline/ ./checks/validate/
	$(GO) test -run '^$$' -bench 'PullRequestChecks|MergeRequestChecks' -benchtime 5x ./app/server/
	$(GO) test -run '^$$' -bench MigrationBotIdle -benchtime 10x ./app/server/
	$(GO) run ./internal/bench/dipbench engine -dip $(BIN) -n 100,1000,10000
	$(GO) run ./internal/bench/dipbench migrate -dip $(BIN) -n 1000,10000
	$(GO) run ./internal/bench/dipbench audit -dip $(BIN) -n 1000,10000 -verify 100
	$(GO) run ./internal/bench/dipbench webhook -host github,gitlab $(WEBHOOK_BENCH_FLAGS)
	$(GO) run ./internal/bench/dipbench webhook -host github,gitlab $(WEBHOOK_BENCH_FLAGS) -rate 2100

clean:
	rm -rf bin rendered
