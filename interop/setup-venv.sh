#!/usr/bin/env bash
# Create interop/.venv from scratch and install the exactly pinned requirements.txt from the
# package index. Fails loudly if anything cannot be installed.
# `setup-venv.sh ops2` does the same for interop/.venv-ops2 and requirements-ops2.txt (ops 2.x).
#
# An existing venv is reused only if it was completed by this script for the current
# requirements.txt (stamp file) AND `pip freeze` still matches the pins AND `pip check` passes;
# otherwise it is deleted and rebuilt. INTEROP_RECREATE_VENV=1 forces a rebuild.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
flavour="${1:-}"
case "$flavour" in
    "") venv="$here/.venv" req="$here/requirements.txt" ;;
    ops2) venv="$here/.venv-ops2" req="$here/requirements-ops2.txt" ;;
    *) echo "usage: setup-venv.sh [ops2]" >&2; exit 2 ;;
esac
stamp="$venv/.interop-requirements.sha256"
python="${INTEROP_BASE_PYTHON:-python3}"  # the interpreter the venv is made from

# Never depend on a machine's local wheel directory (CI and fresh machines have none):
# install from the package index only.
unset PIP_FIND_LINKS PIP_NO_INDEX
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

want_sha="$(sha256sum "$req" | cut -d' ' -f1)"

# The pins as `pip freeze` prints them: name normalised (PEP 503), extras dropped.
normalise() {
    grep -v -e '^#' -e '^[[:space:]]*$' |
        sed -E 's/\[[^]]*\]//' |
        awk -F'==' '{ n = tolower($1); gsub(/[-_.]+/, "-", n); print n "==" $2 }' |
        sort
}

venv_ok() {
    [[ -x "$venv/bin/python" ]] || return 1
    [[ -f "$stamp" ]] || return 1
    [[ "$(cat "$stamp")" == "$want_sha" ]] || return 1
    "$venv/bin/python" -m pip check >/dev/null 2>&1 || return 1
    diff <(normalise <"$req") <("$venv/bin/python" -m pip freeze --all --exclude pip --exclude setuptools --exclude wheel | normalise) >/dev/null || return 1
}

if [[ "${INTEROP_RECREATE_VENV:-0}" != "1" ]] && venv_ok; then
    echo "interop: reusing verified venv $venv"
    exit 0
fi

echo "interop: creating $venv from scratch ($("$python" --version 2>&1))"
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --no-input --require-virtualenv -r "$req"
"$venv/bin/python" -m pip check

# Verify that exactly the pinned set is installed (nothing missing, nothing extra).
if ! diff -u <(normalise <"$req") <("$venv/bin/python" -m pip freeze --all --exclude pip --exclude setuptools --exclude wheel | normalise); then
    echo "interop: installed packages differ from $req (see diff above)" >&2
    exit 1
fi

# Smoke-import what the tests need so a broken install fails here, not as a test error.
INTEROP_FLAVOUR="$flavour" "$venv/bin/python" - <<'EOF'
import importlib.metadata as md
import os
from charmlibs.interfaces import tls_certificates  # noqa: F401
import ops, time_machine  # noqa: F401,E401
if os.environ["INTEROP_FLAVOUR"] == "ops2":
    assert md.version("ops") == "2.23.6", md.version("ops")
    print("interop: ops 2 venv ready:", {p: md.version(p) for p in
          ["charmlibs-interfaces-tls-certificates", "ops", "cryptography", "time-machine"]})
    raise SystemExit(0)
import ops, ops.testing, pkilint.pkix.certificate, pytest, cryptography  # noqa: F401,E401
assert md.version("charmlibs-interfaces-tls-certificates") == "1.12.0", md.version("charmlibs-interfaces-tls-certificates")
assert md.version("ops") == "3.9.0"
print("interop: venv ready:", {p: md.version(p) for p in
      ["charmlibs-interfaces-tls-certificates", "ops", "ops-scenario", "cryptography", "pydantic", "pkilint", "pytest"]})
EOF

echo "$want_sha" >"$stamp"
