# kiln — the two commands a new machine needs: `make demo` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
NODE_MODULES := node_modules/.package-lock.json

help:
	@echo "make demo   build → deploy → operate: bake/check/verify, deploy to 2 local LXC nodes, one-pin candidate, rollback by hash, history"
	@echo "make nightly  the Toy-KAT nightly on local defaults, in a scratch copy (.kiln/nightly-run)"
	@echo "make test   install what is needed (npm ci, Debian tools), build, run unit then integration tests (root)"
	@echo "make unit   unit tests only (seconds, no root)"
	@echo "make lint   formatting and lint check (Biome); make fmt rewrites the files"
	@echo "make bench  benchmarks (ratios against the bare tools in the same run)"
	@echo "make clean  remove dist/"

$(NODE_MODULES): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

deps: $(NODE_MODULES)
	bash scripts/install-deps.sh

build: $(NODE_MODULES)
	npx tsc -p tsconfig.json

unit: build
	npx vitest run --project unit

integration: deps build
	npx vitest run --project integration

# Formatting and lint (Biome, biome.jsonc): fails on drift; `make fmt` rewrites the files.
lint: $(NODE_MODULES)
	npx biome ci .

fmt: $(NODE_MODULES)
	npx biome check --write .

test: deps build lint
	npx vitest run --project unit
	npx vitest run --project integration

demo: deps build
	bash scripts/demo.sh

nightly: deps build
	bash scripts/nightly.sh

# Benchmarks print ratios against the bare tools measured in the same run (see each file's header).
bench: deps build
	node dist/bench/closure.js
	node dist/bench/pack.js
	node dist/bench/bake.js
	node dist/bench/layer-cache.js
	node dist/bench/deploy.js
	node dist/bench/nightly.js
	node dist/bench/nightly-pin.js

clean:
	rm -rf dist

.PHONY: help deps build unit integration test demo nightly bench clean lint fmt
