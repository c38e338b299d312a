#!/usr/bin/env bash
# Prove FIPS mode with a real OpenSSL FIPS provider.
#
#   scripts/fips/fips-test.sh [build|config|test|e2e|all]  (default: all; e2e: only the charm
#                                                          end-to-end test of the test step)
#
# 1. build:  builds OpenSSL's FIPS provider (fips.so) from the OpenSSL source that the
#            `openssl-src` crate ships (the same version as the `vendored` libcrypto), with
#            `./Configure enable-fips`, `make`, `make install_fips`, into a cache directory;
#            then runs `openssl fipsinstall` (module self-tests + integrity MAC).
#            Skipped when the cache already holds a finished build.
# 2. config: writes openssl.cnf activating only the `fips` and `base` providers, with
#            no default properties (the backend sets fips=yes itself), plus two configs for the negative proofs.
# 3. test:   runs the crypto tests with `--features fips,vendored` under that configuration
#            (TLS_CERTIFICATES_FIPS_EXPECT=active), the engine tests and the tls-certificates
#            (charm runtime + adapters) tests with the same features, then one charm end-to-end
#            test (charms/tls-certificates-requirer/tests/fips_e2e.rs: both charms built with
#            `fips` + vendored OpenSSL in target/fips/cargo, run as real processes by juju-sim;
#            it asserts every hook of both charms started on "openssl-fips (FIPS mode active)"
#            and that the requirer got a certificate issued by the provider's CA; `e2e` runs
#            only this test), then the negative proofs:
#            provider missing -> typed start-up error (expect=missing);
#            a non-FIPS provider active alongside -> typed start-up error (expect=mixed).
#            Non-approved requests (RSA-1024, ...) are refused in the `active` run.
#
# Environment:
#   FIPS_CACHE_DIR       cache directory (default: target/fips/openssl-<version>)
#   FIPS_JOBS            make -j (default: nproc)
#   FIPS_CONFIGURE_OPTIONS  options after `enable-fips`
#                        (default: no-shared no-tests no-docs no-legacy no-engine)
#   FIPS_TARGET_DIR      CARGO_TARGET_DIR of the charm end-to-end build
#                        (default: target/fips/cargo; keeps target/debug's charms default builds)
#   FIPS_EXTRA_TESTS     extra `cargo test` arguments run under the FIPS config, e.g. a charm
#                        end-to-end test: "-p <crate> --features fips,... --test <name>"
set -euo pipefail

cd "$(dirname "$0")/../.."
repo=$PWD
start=$(date +%s)
step() { echo; echo "=== fips [$(( $(date +%s) - start ))s] $*"; }
die() { echo "fips-test: $*" >&2; exit 1; }

# The openssl-src version the lock file pins (same source as the `vendored` feature builds).
src_version=$(awk '/^name = "openssl-src"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
[ -n "$src_version" ] || die "openssl-src is not in Cargo.lock"
cache=${FIPS_CACHE_DIR:-$repo/target/fips/openssl-src-$src_version}
prefix=$cache/install
modules=$prefix/lib/ossl-modules
jobs=${FIPS_JOBS:-$(nproc)}
configure_options=${FIPS_CONFIGURE_OPTIONS:-no-shared no-tests no-docs no-legacy no-engine}

find_source() {
    local registry=${CARGO_HOME:-$HOME/.cargo}/registry/src
    local dir
    dir=$(ls -d "$registry"/*/"openssl-src-$src_version"/openssl 2>/dev/null | head -n1 || true)
    if [ -z "$dir" ]; then
        cargo fetch --locked >/dev/null
        dir=$(ls -d "$registry"/*/"openssl-src-$src_version"/openssl 2>/dev/null | head -n1 || true)
    fi
    [ -n "$dir" ] || die "cannot find the openssl-src $src_version source under $registry"
    echo "$dir"
}

build() {
    if [ -f "$cache/.built" ] && [ -f "$modules/fips.so" ] && [ -x "$prefix/bin/openssl" ] \
        && grep -qxF "options: $configure_options" "$cache/.built"; then
        step "build: cached in $cache ($(head -n1 "$cache/.built"))"
        return
    fi
    local source
    source=$(find_source)
    step "build: OpenSSL $(sed -n 's/^\(MAJOR\|MINOR\|PATCH\)=//p' "$source/VERSION.dat" | paste -sd.) from $source"
    rm -rf "$cache/build" "$prefix"
    mkdir -p "$cache"
    cp -a "$source" "$cache/build"
    # openssl-src packages OpenSSL without three build-glue files the FIPS module needs; add
    # stand-ins (see scripts/fips/overlay/util/*: a version-script writer and a placeholder
    # fipsmodule.cnf generator; the real fipsmodule.cnf comes from `openssl fipsinstall` below).
    cp -n "$repo/scripts/fips/overlay/util/"* "$cache/build/util/"
    (
        cd "$cache/build"
        # no-shared: a static `openssl` binary (no LD_LIBRARY_PATH); the FIPS provider is a
        # loadable module either way. no-tests/no-docs/no-legacy/no-engine: nothing we need,
        # a lot of build time (645 s instead of 1036 s here).
        # shellcheck disable=SC2086 # word splitting of the options is intended
        ./Configure enable-fips $configure_options \
            --prefix="$prefix" --openssldir="$prefix/ssl" --libdir=lib >"$cache/configure.log"
        step "build: make -j$jobs (log: $cache/make.log)"
        make -j"$jobs" build_inst_sw >"$cache/make.log" 2>&1 || { tail -n 40 "$cache/make.log"; die "make failed"; }
        # install_fips installs fips.so into the modules directory; install_sw would also need
        # the apps/*.cnf files openssl-src does not package, so install the binary by hand.
        make install_fips >>"$cache/make.log" 2>&1 || { tail -n 40 "$cache/make.log"; die "make install_fips failed"; }
        mkdir -p "$prefix/bin"
        cp apps/openssl "$prefix/bin/openssl"
    )
    step "build: openssl fipsinstall"
    "$prefix/bin/openssl" fipsinstall -module "$modules/fips.so" -out "$cache/fipsmodule.cnf"
    rm -rf "$cache/build"
    { "$prefix/bin/openssl" version; echo "options: $configure_options"; } >"$cache/.built"
}

config() {
    step "config: $cache/openssl.cnf (fips + base only; the backend itself sets fips=yes)"
    [ -f "$cache/fipsmodule.cnf" ] || die "run the build step first"
    cat >"$cache/openssl.cnf" <<EOF
# Written by scripts/fips/fips-test.sh: only the FIPS provider supplies algorithms.
config_diagnostics = 1
openssl_conf = openssl_init

.include $cache/fipsmodule.cnf

[openssl_init]
providers = provider_sect

[provider_sect]
fips = fips_sect
base = base_sect

[base_sect]
activate = 1
EOF
    # Negative proof: the default provider active next to fips, no fips=yes default property.
    cat >"$cache/openssl-mixed.cnf" <<EOF
# Written by scripts/fips/fips-test.sh: a WRONG configuration, for the negative proof.
openssl_conf = openssl_init

.include $cache/fipsmodule.cnf

[openssl_init]
providers = provider_sect

[provider_sect]
fips = fips_sect
base = base_sect
default = default_sect

[base_sect]
activate = 1

[default_sect]
activate = 1
EOF
    # Negative proof: no FIPS provider at all (a configuration that activates nothing).
    cat >"$cache/openssl-empty.cnf" <<EOF
# Written by scripts/fips/fips-test.sh: no providers configured, for the negative proof.
EOF
}

# The vendored OpenSSL install (static libcrypto/libssl + headers) that openssl-sys built for the
# tests above in the default target directory, if it is the version of our FIPS provider.
vendored_install() {
    local want=${src_version#*+} dir
    local builds=${CARGO_TARGET_DIR:-$repo/target}/debug/build
    # shellcheck disable=SC2045 # newest first; cargo's build directory names have no spaces
    for dir in $(ls -dt "$builds"/openssl-sys-*/out/openssl-build/install 2>/dev/null); do
        if grep -qF "OPENSSL_VERSION_STR \"$want\"" "$dir/include/openssl/opensslv.h" 2>/dev/null \
            && [ -f "$dir/lib/libcrypto.a" ]; then
            echo "$dir"
            return
        fi
    done
}

# One charm end-to-end test: both charm binaries (and juju-sim-tool) built with `fips` and the
# vendored OpenSSL, run as real processes by juju-sim under the FIPS configuration (juju-sim
# passes the test's environment, OPENSSL_CONF/OPENSSL_MODULES included, to the charms).
# (`-p tls-certificates-crypto` only makes its `vendored` feature selectable: the charms depend
# on it through tls-certificates.) Built in a separate target directory ($fips_target) so the
# default charm binaries in target/debug stay default builds; the vendored OpenSSL the steps
# above built is reused (OPENSSL_NO_VENDOR + OPENSSL_DIR: the same libcrypto, not built twice).
charm_e2e() {
    local fips_target=${FIPS_TARGET_DIR:-$repo/target/fips/cargo}
    [ -f "$cache/openssl.cnf" ] || die "run the build and config steps first"
    local vendored=tls-certificates-crypto/vendored
    local -a reuse=()
    local install
    install=$(vendored_install)
    if [ -n "$install" ]; then
        reuse=(OPENSSL_NO_VENDOR=1 "OPENSSL_DIR=$install" OPENSSL_STATIC=1)
    fi
    step "test: FIPS active: charm end-to-end: build both charms with fips,vendored" \
        "in $fips_target${install:+ (reusing the vendored OpenSSL in $install)}"
    env "${reuse[@]}" CARGO_TARGET_DIR="$fips_target" cargo build --locked --bins \
        -p self-signed-certificates -p juju-sim -p tls-certificates-requirer -p tls-certificates-crypto \
        --features self-signed-certificates/fips,tls-certificates-requirer/fips,$vendored
    step "test: FIPS active: charm end-to-end (cargo test -p tls-certificates-requirer --features fips,$vendored --test fips_e2e)"
    env "${reuse[@]}" CARGO_TARGET_DIR="$fips_target" \
        OPENSSL_CONF="$cache/openssl.cnf" OPENSSL_MODULES="$modules" TLS_CERTIFICATES_FIPS_EXPECT=active \
        cargo test --locked -p tls-certificates-requirer -p tls-certificates-crypto \
        --features tls-certificates-requirer/fips,$vendored \
        --test fips_e2e -- --nocapture
}

run_tests() {
    local features=fips,vendored
    # The negative proofs run only the start-up test; the others need an active FIPS provider.
    local startup_test=given_the_environment_when_fips_mode_starts
    step "test: FIPS active: cargo test -p tls-certificates-crypto --features $features"
    OPENSSL_CONF=$cache/openssl.cnf OPENSSL_MODULES=$modules TLS_CERTIFICATES_FIPS_EXPECT=active \
        cargo test --locked -p tls-certificates-crypto --features "$features"
    local crypto_features=tls-certificates-crypto/fips,tls-certificates-crypto/vendored
    step "test: FIPS active: engine tests (cargo test -p tls-certificates-engine --features $crypto_features)"
    OPENSSL_CONF=$cache/openssl.cnf OPENSSL_MODULES=$modules TLS_CERTIFICATES_FIPS_EXPECT=active \
        cargo test --locked -p tls-certificates-engine --features "$crypto_features"
    step "test: FIPS active: charm runtime and adapters (cargo test -p tls-certificates --features fips,tls-certificates-crypto/vendored)"
    OPENSSL_CONF=$cache/openssl.cnf OPENSSL_MODULES=$modules TLS_CERTIFICATES_FIPS_EXPECT=active \
        cargo test --locked -p tls-certificates --features fips,tls-certificates-crypto/vendored
    charm_e2e
    if [ -n "${FIPS_EXTRA_TESTS:-}" ]; then
        step "test: FIPS active: cargo test $FIPS_EXTRA_TESTS"
        # shellcheck disable=SC2086 # word splitting of the extra arguments is intended
        OPENSSL_CONF=$cache/openssl.cnf OPENSSL_MODULES=$modules TLS_CERTIFICATES_FIPS_EXPECT=active \
            cargo test --locked $FIPS_EXTRA_TESTS
    fi
    step "test: negative: FIPS provider missing -> typed start-up error"
    OPENSSL_CONF=$cache/openssl-empty.cnf OPENSSL_MODULES=$cache/no-such-dir TLS_CERTIFICATES_FIPS_EXPECT=missing \
        cargo test --locked -p tls-certificates-crypto --features "$features" --test openssl_fips "$startup_test"
    step "test: negative: default provider active alongside -> typed start-up error"
    OPENSSL_CONF=$cache/openssl-mixed.cnf OPENSSL_MODULES=$modules TLS_CERTIFICATES_FIPS_EXPECT=mixed \
        cargo test --locked -p tls-certificates-crypto --features "$features" --test openssl_fips "$startup_test"
}

case "${1:-all}" in
    build) build ;;
    config) config ;;
    test) run_tests ;;
    e2e) charm_e2e ;;
    all) build; config; run_tests ;;
    *) die "usage: $0 [build|config|test|e2e|all]" ;;
esac
step "done"
