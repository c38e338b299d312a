# tls-certificates-rs: the one entry point. `just --list` documents every recipe.

set shell := ["bash", "-euo", "pipefail", "-c"]

# Features for the single test build: both crypto backends, so the conformance suite runs twice.
test_features := "tls-certificates-crypto/openssl"

# The crates published on crates.io (the packages `publish-check` finds: publish is not false).
library_crates := "-p juju-types -p tls-certificates-schema -p tls-certificates-crypto -p tls-certificates-engine -p juju-hook-tools -p juju-sim -p tls-certificates"

# List the recipes.
default:
    @just --list

# Options: --units N, --mode unit|app|app-and-unit, --backend ring|openssl, --key-algorithm A, --out DIR, --start RFC3339.
# Run the demo: both charms as real processes in the built-in simulated Juju model.
demo *ARGS:
    cargo build --locked --bins -p tls-certificates-cli -p juju-sim -p tls-certificates-requirer -p self-signed-certificates --features tls-certificates-requirer/openssl,self-signed-certificates/openssl
    target/debug/tls-certificates demo {{ARGS}}

# Build both charms in release mode and pack them as .charm archives into DIR (default out/).
pack DIR="out":
    charms/pack.sh {{DIR}}

# Run every test: all crates, both crypto backends, the Python charms too, in one cargo build (sets up the Python venv first).
test: venv
    cargo test --workspace --locked --features {{test_features}}

# Create or verify the pinned Python virtualenvs: interop/.venv (ops 3) for interop/ and interop/python-charms, interop/.venv-ops2 (ops 2) for python-charms.
venv:
    interop/setup-venv.sh
    interop/setup-venv.sh ops2

# Run the interop suite: the real Python library checks our CLI's keys, CSRs, certificates and databags.
interop: venv
    cargo build --locked -p tls-certificates-cli
    TLS_CERTIFICATES_BIN="$PWD/target/debug/tls-certificates" interop/run.sh

# Check formatting, lint (every feature together, then each crypto backend set on its own) and the API docs.
lint: fmt-check clippy clippy-backends doc

# Check formatting.
fmt-check:
    cargo fmt --all --check

# Format the code.
fmt:
    cargo fmt --all

# Clippy on every target and feature; warnings are errors.
clippy:
    cargo clippy --workspace --all-targets --all-features --locked -- -D warnings

# Clippy on each crypto backend set on its own (--all-features hides the others' cfg arms): none, ring, openssl, fips.
clippy-backends:
    #!/usr/bin/env bash
    set -euo pipefail
    lint() { echo "== cargo clippy $*"; cargo clippy --locked "$@" -- -D warnings; }
    for set in none ring openssl fips; do
        features=(--no-default-features)
        [[ $set == none ]] || features+=(--features "$set")
        # The crates with backend features: every target. A package's tests enable ring through
        # their dev-dependencies, so the library and binaries are also linted without them.
        lint -p tls-certificates-crypto --all-targets "${features[@]}"
        lint -p tls-certificates -p tls-certificates-requirer -p self-signed-certificates --lib --bins "${features[@]}"
        lint -p tls-certificates --all-targets "${features[@]}"
        [[ $set == fips ]] || lint -p tls-certificates-cli --all-targets "${features[@]}"
    done

# Check the documented feature combinations `clippy-backends` does not build: both backends, the defaults, vendored (cargo check).
features:
    #!/usr/bin/env bash
    set -euo pipefail
    # The combinations `clippy-backends` does not already build (it lints none, ring, openssl
    # and fips on their own for these packages and the CLI): both backends, the defaults, and
    # OpenSSL built from source. Libraries and binaries only: tests would enable ring through
    # their dev-dependencies.
    check() { echo "== cargo check $*"; cargo check --locked "$@"; }
    for package in tls-certificates-crypto tls-certificates tls-certificates-requirer self-signed-certificates; do
        check -p "$package" --lib --bins --no-default-features --features ring,openssl
        check -p "$package" --lib --bins
        check -p "$package" --lib --bins --no-default-features --features vendored
    done
    check -p tls-certificates-cli --bins

# Build the API docs of every crate; rustdoc warnings are errors.
doc:
    RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked

# The library crates' docs as docs.rs builds them: nightly, --cfg docsrs (feature badges), every backend (not in CI: it checks every dependency again on nightly).
doc-docsrs:
    RUSTDOCFLAGS="--cfg docsrs -D warnings" cargo +nightly doc --no-deps --locked --target-dir target/docsrs {{library_crates}} --features tls-certificates-crypto/ring,tls-certificates-crypto/fips,tls-certificates/ring,tls-certificates/fips

# Cargo treats a registry package of a given version as immutable: it keeps the unpacked sources
# of its temporary registry under $CARGO_HOME/registry/src and the artefacts built from them, and a
# later run of the same (unchanged) version builds against that stale code. CI failed this way on a
# machine that keeps both (0xMiden/miden-vm#2530 met the same), so remove ours first; the build
# directory is its own, so cleaning it leaves the other recipes' builds alone.

# Package every publishable crate and build each from its package, as `cargo publish` would (nothing is uploaded).
publish-check:
    for crate in {{library_crates}}; do if [ "$crate" != -p ]; then rm -rf "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/"$crate"-[0-9]*; fi; done
    cargo clean --locked --target-dir target/publish-check {{library_crates}}
    cargo publish --dry-run --workspace --locked --allow-dirty --target-dir target/publish-check

# License, ban and source checks (cargo-deny); advisories too when the advisory DB is reachable.
deny:
    cargo deny --locked check licenses bans sources
    @if cargo deny --locked fetch >/dev/null 2>&1; then cargo deny --locked check advisories; else echo "deny: advisory database unreachable from this machine; advisories not checked"; fi

# Run the criterion benchmarks (results and commands are recorded in benches/README.md).
bench *ARGS:
    cargo bench --locked -p tls-certificates-benches {{ARGS}}

# Measure one steady-state hook of each charm against the `ops` charms (ITERATIONS each; figures go to benches/README.md).
hook-cost ITERATIONS="20": venv
    cargo build --locked --release -p tls-certificates-requirer -p self-signed-certificates -p juju-sim --bins
    cargo bench --locked -p tls-certificates-benches --bench hook_cost -- {{ITERATIONS}}

# Run seeded lifecycle sequences (both charms in juju-sim, every invariant checked) for SECONDS; prints sequences/s, operations and invariant counts, and a failing seed with its reproduce command.
soak SECONDS="60" START="0":
    cargo build --release --locked -p lifecycle-sim --bin lifecycle-soak
    TMPDIR="$(if [ -w /dev/shm ]; then echo /dev/shm; else echo "${TMPDIR:-/tmp}"; fi)" target/release/lifecycle-soak --seconds {{SECONDS}} --start {{START}}

# Run each fuzz target for a bounded time (seconds per target, default 10) on the nightly toolchain.
fuzz-smoke SECONDS="10":
    fuzz/smoke.sh {{SECONDS}}

# Prove FIPS mode: build OpenSSL's FIPS provider (cached in target/fips), run the tests under it, and the negative proofs.
fips-test:
    scripts/fips/fips-test.sh

# Everything CI runs (.ci/run): the tests, then the checks.
ci: test ci-checks

# CI's checks besides the tests: formatting, lint and doc matrix, features, packaging, interop, cargo-deny, fuzz smoke, FIPS.
ci-checks: fmt-check features clippy clippy-backends doc publish-check interop deny fuzz-smoke fips-test
