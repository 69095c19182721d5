# Datong: the two commands are `make run` and `make test`. Both install what they need first
# (and skip what is already installed).
SHELL := /bin/bash
# style/node_modules/.bin: the tailwindcss CLI cargo-leptos runs (built with no_downloads).
export PATH := $(CURDIR)/style/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
export CARGO_TERM_COLOR ?= never

.PHONY: run build test tools test-tools lint fmt clippy unit sdk e2e bench soak postgres clean

## run: build the release binary and console, then serve on http://127.0.0.1:3000 (SQLite in ./data)
run: build
	./target/release/datong serve

## build: release binary target/release/datong and console assets in target/site
build: tools
	cargo leptos build --release --split --precompress
	@# cargo-leptos gzips at a middling level; what is served gzipped is smaller at -9
	gzip -9 -k -f target/site/pkg/*.wasm target/site/pkg/*.js target/site/pkg/*.css
	@node .ci/wasm-size.mjs

tools:
	.ci/tools.sh build

test-tools:
	.ci/tools.sh test

## test: formatting, lints, unit + integration tests (SQLite and PostgreSQL), the mini-program
## SDK's tests, browser tests
test: test-tools lint unit build sdk e2e

lint: fmt clippy

fmt:
	cargo fmt --all -- --check

clippy:
	cargo clippy --all-targets -- -D warnings
	cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

## unit: Rust tests; starts the local PostgreSQL unless DATONG_TEST_DATABASE_URL is set
unit:
	@if [ -z "$$DATONG_TEST_DATABASE_URL" ]; then \
	  url=$$(.ci/postgres.sh) || exit 1; \
	  export DATONG_TEST_DATABASE_URL="$$url"; \
	fi; \
	DATONG_TEST_REQUIRE_POSTGRES=1 cargo test

## sdk: the mini-program SDK (TypeScript) built and tested with Node's test runner against
## target/release/datong (run `make build` first)
sdk: test-tools
	cd frontend/sdk/miniprogram && npm test

## e2e: Playwright in Debian's Chromium against target/release/datong (run `make build` first)
e2e: test-tools
	cd end2end && npx playwright test

## bench: the WeChat client against the standalone sandbox, then complete logins on SQLite and
## PostgreSQL, mini-program code streams, and grant logins inside a mini program (prints throughput,
## latency, CPU per login, memory), and table sizes over 200,000 logins and 60 simulated days
bench:
	.ci/tools.sh bench
	cargo build --release -p server --bin datong --example wechat_bench --example login_bench --example mp_bench --example grant_bench --example users_bench --example peer_bench --example flat_bench
	mkdir -p target/peer-bench && cp server/examples/peer/package.json server/examples/peer/server.mjs target/peer-bench/
	cd target/peer-bench && npm install --no-audit --no-fund --silent
	./target/release/examples/peer_bench
	./target/release/examples/peer_bench 2000 32 "$$(.ci/postgres.sh)"
	./target/release/examples/wechat_bench
	./target/release/examples/login_bench
	./target/release/examples/login_bench 2000 32 "$$(.ci/postgres.sh)"
	./target/release/examples/mp_bench 10000 1000 8
	./target/release/examples/grant_bench 2000
	./target/release/examples/grant_bench 2000 "$$(.ci/postgres.sh)"
	./target/release/examples/users_bench
	./target/release/examples/users_bench 1000000 "$$(.ci/postgres.sh)"
	./target/release/examples/flat_bench

# datong killed with SIGKILL under login load and started again, on SQLite and PostgreSQL:
# prints what was lost or duplicated (nothing) and the time to ready.
soak:
	cargo build --release -p server --bin datong --example soak
	./target/release/examples/soak
	./target/release/examples/soak 600 16 "$$(.ci/postgres.sh)"

clean:
	cargo clean
	rm -rf style/node_modules end2end/node_modules end2end/test-results
