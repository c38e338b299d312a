#!/usr/bin/env python3
"""Print the medians of the last criterion run as a Markdown table, plus the goal ratios.

Usage: python3 benches/medians.py [CRITERION_DIR]   (default: target/criterion)

Reads <dir>/**/new/benchmark.json + estimates.json, which criterion writes for every benchmark.
"""
import json
import os
import pathlib
import sys

# The groups of benches/benches/crypto.rs and benches/benches/engine.rs.
CRYPTO_GROUPS = ("keygen/", "csr/", "issue/", "baseline/", "provider/", "requirer/")
# Benchmarks that no longer exist but may still have results lying in target/criterion.
RETIRED = {"keygen/rsa2048/openssl-raw"}


def medians(root):
    out = {}
    for bench in root.glob("**/new/benchmark.json"):
        meta = json.loads(bench.read_text())
        if not meta["full_id"].startswith(CRYPTO_GROUPS) or meta["full_id"] in RETIRED:
            continue
        estimates = json.loads((bench.parent / "estimates.json").read_text())
        median = estimates["median"]
        out[meta["full_id"]] = (
            median["point_estimate"],
            median["confidence_interval"]["lower_bound"],
            median["confidence_interval"]["upper_bound"],
        )
    return out


def fmt(ns):
    if ns >= 1e9:
        return f"{ns / 1e9:.2f} s"
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    return f"{ns / 1e3:.1f} µs"


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "target/criterion")
    found = medians(root)
    if not found:
        sys.exit(f"no criterion results under {root}")
    print("| benchmark | median | 95% CI of the median |")
    print("|---|---|---|")
    for name in sorted(found):
        m, lo, hi = found[name]
        print(f"| `{name}` | {fmt(m)} | {fmt(lo)} – {fmt(hi)} |")

    def ratio(a, b):
        if a in found and b in found:
            return f"{found[a][0] / found[b][0]:.2f}"
        return "n/a (not measured)"

    print()
    print("| goal | ratio |")
    print("|---|---|")
    print(f"| openssl keygen / raw OpenSSL keygen (RSA-2048, goal ≤ 1.05) | "
          f"{ratio('keygen/rsa2048/openssl', 'keygen/rsa2048/openssl-raw-evp')} (EVP), "
          f"{ratio('keygen/rsa2048/openssl', 'keygen/rsa2048/openssl-raw-rsa')} (Rsa::generate) |")
    for backend in ("ring", "openssl"):
        print(f"| {backend}: issuance (CA loaded) / one RSA-2048 signature (goal ≤ 1.5) | "
              f"{ratio(f'issue/ca-loaded/{backend}', f'baseline/rsa2048-sign/{backend}')} |")
    if "keygen/rsa2048/ring" in found:
        print(f"| ring RSA-2048 keygen median, all cores (goal ≤ Python's, same run) | "
              f"{fmt(found['keygen/rsa2048/ring'][0])} |")
    print(f"| ring RSA-2048 keygen, one thread / all cores | "
          f"{ratio('keygen/rsa2048/ring-1-thread', 'keygen/rsa2048/ring')} |")
    print(f"| openssl: csr/all-attributes / one RSA-2048 signature (goal ≤ 1.5) | "
          f"{ratio('csr/all-attributes/openssl', 'baseline/rsa2048-sign/openssl')} |")
    print(f"| openssl: issue/with-ca-load / issue/ca-loaded (goal ≤ 2) | "
          f"{ratio('issue/with-ca-load/openssl', 'issue/ca-loaded/openssl')} |")
    floor = found.get("provider/verification-floor/rsa2048-verify")
    fresh = found.get("provider/outstanding-fresh/10000")
    if floor and fresh:
        cores = os.cpu_count() or 1
        bound = 10_000 * floor[0] / cores
        print(f"| provider all-new N = 10 000 / verification floor (10 000 × "
              f"{fmt(floor[0])} / {cores} cores = {fmt(bound)}) (goal ≤ 1.3) | "
              f"{fresh[0] / bound:.2f} |")
    measured = found.get("provider/verification-floor/rsa2048-verify-10000-all-cores")
    if measured and fresh:
        print(f"| provider all-new N = 10 000 / 10 000 verifications on all cores "
              f"({fmt(measured[0])}, measured) | {fresh[0] / measured[0]:.2f} |")
    for kind in ("outstanding-fresh", "outstanding-issued", "plan/answered", "plan/steady"):
        steps = [found.get(f"provider/{kind}/{n}") for n in (1, 100, 1000, 10000)]
        if all(steps):
            growth = [
                (steps[1][0] / steps[0][0]) ** 0.5,
                steps[2][0] / steps[1][0],
                steps[3][0] / steps[2][0],
            ]
            print(f"| provider/{kind}: growth per 10× N (1→100 geometric, 100→1 000, "
                  f"1 000→10 000; goal ≤ 12) | {', '.join(f'{g:.1f}' for g in growth)} |")


if __name__ == "__main__":
    main()
