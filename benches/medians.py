#!/usr/bin/env python3
"""Print the medians of the last criterion run as a Markdown table, plus the issue-2 goal ratios.

Usage: python3 benches/medians.py [CRITERION_DIR]   (default: target/criterion)

Reads <dir>/**/new/benchmark.json + estimates.json, which criterion writes for every benchmark.
"""
import json
import pathlib
import sys

# The groups of benches/benches/crypto.rs (other bench files write to the same directory).
CRYPTO_GROUPS = ("keygen/", "csr/", "issue/", "baseline/")
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
        print(f"| ring RSA-2048 keygen median (goal ≤ Python's 38–53 ms) | "
              f"{fmt(found['keygen/rsa2048/ring'][0])} |")


if __name__ == "__main__":
    main()
