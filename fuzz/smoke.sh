#!/usr/bin/env bash
# Smoke-runs every cargo-fuzz target for N seconds (default 10) and fails if any target crashes.
#
#   fuzz/smoke.sh [SECONDS]
#
# Each target starts from a *copy* of its committed seed corpus (fuzz/corpus/<target>), so the
# run never rewrites the corpus in git. Crash inputs land in fuzz/artifacts/<target>/ (ignored by
# git); reproduce one with `cargo +nightly fuzz run <target> <artifact>`.
# Needs a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`); FUZZ_TOOLCHAIN overrides
# the toolchain name (default: nightly).
set -euo pipefail

seconds="${1:-10}"
toolchain="${FUZZ_TOOLCHAIN:-nightly}"
cd "$(dirname "$0")"

if ! cargo +"$toolchain" fuzz --version >/dev/null 2>&1; then
    echo "error: cargo-fuzz with the '$toolchain' toolchain is required (cargo install cargo-fuzz)" >&2
    exit 1
fi

started=$(date +%s)
echo "== building all fuzz targets"
cargo +"$toolchain" fuzz build

targets=$(cargo +"$toolchain" fuzz list)
if [ -z "$targets" ]; then
    echo "error: no fuzz targets found" >&2
    exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The lifecycle target's charms and hook tools fsync the files they write under TMPDIR: on
# tmpfs that costs nothing.
run_tmpdir="${TMPDIR:-/tmp}"
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
    run_tmpdir=/dev/shm
fi

failed=()
for target in $targets; do
    if [ ! -d "corpus/$target" ]; then
        echo "error: no seed corpus for $target (expected fuzz/corpus/$target)" >&2
        failed+=("$target (no corpus)")
        continue
    fi
    mkdir -p "$work/$target"
    cp -R "corpus/$target/." "$work/$target/"
    echo "== $target: ${seconds}s"
    if ! TMPDIR="$run_tmpdir" cargo +"$toolchain" fuzz run "$target" "$work/$target" -- \
        -max_total_time="$seconds" -timeout=25 -print_final_stats=1; then
        failed+=("$target")
    fi
done

echo "== fuzz smoke finished in $(( $(date +%s) - started ))s"
if [ ${#failed[@]} -gt 0 ]; then
    echo "error: fuzz targets failed: ${failed[*]}" >&2
    exit 1
fi
echo "all $(echo "$targets" | wc -w) fuzz targets ran clean"
