# tls-certificates-rs: the one entry point. `just --list` documents every recipe.

set shell := ["bash", "-euo", "pipefail", "-c"]

# Features for the single test build: both crypto backends, so the conformance suite runs twice.
test_features := "tls-certificates-crypto/openssl"

# List the recipes.
default:
    @just --list

# Options: --units N, --mode unit|app|app-and-unit, --backend ring|openssl, --key-algorithm A, --out DIR.
# Run the demo: both charms as real processes in the built-in simulated Juju model.
demo *ARGS:
    cargo build --locked --bins -p tls-certificates-cli -p juju-sim -p tls-certificates-requirer -p self-signed-certificates --features tls-certificates-requirer/openssl,self-signed-certificates/openssl
    target/debug/tls-certificates demo {{ARGS}}

# Build both charms in release mode and pack them as .charm archives into DIR (default out/).
pack DIR="out":
    charms/pack.sh {{DIR}}

# Run every test: all crates, both crypto backends, in one cargo build (sets up the Python venv first).
test: venv
    cargo test --workspace --locked --features {{test_features}}

# Create or verify the pinned Python virtualenv (interop/.venv) used by interop/ and juju-sim's ops test.
venv:
    interop/setup-venv.sh

# Run the interop suite: the real Python library checks our CLI's keys, CSRs, certificates and databags.
interop: venv
    cargo build --locked -p tls-certificates-cli
    TLS_CERTIFICATES_BIN="$PWD/target/debug/tls-certificates" interop/run.sh

# Check formatting and lint every target with every feature (clippy -D warnings).
lint: fmt-check clippy

# Check formatting.
fmt-check:
    cargo fmt --all --check

# Format the code.
fmt:
    cargo fmt --all

# Clippy on every target and feature; warnings are errors.
clippy:
    cargo clippy --workspace --all-targets --all-features --locked -- -D warnings

# License, ban and source checks (cargo-deny); advisories too when the advisory DB is reachable.
deny:
    cargo deny --locked check licenses bans sources
    @if cargo deny --locked fetch >/dev/null 2>&1; then cargo deny --locked check advisories; else echo "deny: advisory database unreachable from this machine; advisories not checked"; fi

# Run the criterion benchmarks (results and commands are recorded in benches/README.md).
bench *ARGS:
    cargo bench --locked -p tls-certificates-benches {{ARGS}}

# Run each fuzz target for a bounded time (seconds per target, default 10) on the nightly toolchain.
fuzz-smoke SECONDS="10":
    fuzz/smoke.sh {{SECONDS}}

# Prove FIPS mode: build OpenSSL's FIPS provider (cached in target/fips), run the tests under it, and the negative proofs.
fips-test:
    scripts/fips/fips-test.sh

# Everything CI runs (.ci/run): the tests, then the checks.
ci: test ci-checks

# CI's checks besides the tests: formatting, interop, clippy, cargo-deny, fuzz smoke, FIPS.
ci-checks: fmt-check interop clippy deny fuzz-smoke fips-test
