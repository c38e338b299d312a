#!/usr/bin/env bash
# Run the interop suite: our `tls-certificates` CLI against the real Python library.
#
#   TLS_CERTIFICATES_BIN  path of the CLI binary (default: <repo>/target/debug/tls-certificates)
#   extra arguments are passed to pytest (e.g. `interop/run.sh -k databag -x`).
#
# Exit status is pytest's, except that "no tests collected" (pytest exit 5) is a failure too.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"

bin="${TLS_CERTIFICATES_BIN:-$repo/target/debug/tls-certificates}"
case "$bin" in /*) ;; *) bin="$repo/$bin" ;; esac
if [[ ! -x "$bin" ]]; then
    echo "interop: CLI binary not found or not executable: $bin" >&2
    echo "interop: build it first: cargo build -p tls-certificates-cli" >&2
    exit 1
fi
export TLS_CERTIFICATES_BIN="$bin"

"$here/setup-venv.sh"

cd "$here"
set +e
"$here/.venv/bin/python" -m pytest -p no:cacheprovider "$@"
rc=$?
set -e
if [[ $rc -eq 5 ]]; then
    echo "interop: pytest collected no tests: failing" >&2
    exit 1
fi
exit $rc
