#!/usr/bin/env bash
# Build both charms in release mode and pack them into <out>/<charm>.charm (default: out/).
#
#   charms/pack.sh [OUT_DIR]
#
# FEATURES="openssl" charms/pack.sh   builds the charms with the OpenSSL backend as default.
# The archives are what `charmcraft pack` would produce for these charms (see
# scripts/pack-charm.py): dispatch, the binary, manifest.yaml, metadata.yaml, config.yaml,
# actions.yaml. The binary is built on this machine: build on the charm's base (Ubuntu 24.04)
# or an older glibc so it runs on the units.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/out}"
target="${CARGO_TARGET_DIR:-$root/target}"
charms=(tls-certificates-requirer self-signed-certificates)

cd "$root"
args=(build --locked --release)
for charm in "${charms[@]}"; do args+=(-p "$charm"); done
if [[ -n "${FEATURES:-}" ]]; then
    for charm in "${charms[@]}"; do args+=(--features "$charm/$FEATURES"); done
fi
cargo "${args[@]}"

mkdir -p "$out"
for charm in "${charms[@]}"; do
    python3 scripts/pack-charm.py "charms/$charm" "$target/release/$charm" "$out/$charm.charm"
    echo "packed $out/$charm.charm"
done
