#!/usr/bin/env python3
"""RSA-2048 key generation in CPU time (user + system), which machine load barely changes.

Criterion measures wall-clock time; on a shared, loaded machine that inflates every number. This
script compares CPU time instead, for the same three things:

* the Python library's path (`rsa.generate_private_key(65537, 2048)` + PKCS#1 PEM export, with the
  installed `cryptography`), timed in-process with `time.process_time()`;
* `tls-certificates key generate --backend ring|openssl` (one key per process; the CPU time of
  `tls-certificates --version` is subtracted as process start-up);
* `openssl genpkey -algorithm RSA` from the system OpenSSL (the library the openssl backend
  links), start-up (`openssl version`) subtracted.

Usage: python3 benches/cpu_keygen.py [PATH_TO_tls-certificates] [N]
       (default: target/release/tls-certificates, N = 40). Build it with
       `cargo build --release -p tls-certificates-cli`.
"""
import resource
import statistics
import subprocess
import sys
import time

import cryptography
from cryptography.hazmat.backends.openssl.backend import backend as openssl_backend
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def python_keygen():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )


def child_cpu(args):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def report(name, seconds):
    q = statistics.quantiles(seconds, n=4)
    print(f"| {name} | {statistics.median(seconds) * 1e3:.1f} ms | "
          f"{q[0] * 1e3:.1f}–{q[2] * 1e3:.1f} ms |")


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "target/release/tls-certificates"
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    print(f"RSA-2048 key generation, CPU time, n={n} each")
    print()
    print("| what | median | quartiles |")
    print("|---|---|---|")
    python_keygen()
    times = []
    for _ in range(n):
        start = time.process_time()
        python_keygen()
        times.append(time.process_time() - start)
    report(f"Python path (cryptography {cryptography.__version__}, "
           f"{openssl_backend.openssl_version_text()})", times)
    startup = statistics.median(child_cpu([binary, "--version"]) for _ in range(10))
    for backend in ("ring", "openssl"):
        runs = [child_cpu([binary, "key", "generate", "--backend", backend]) - startup
                for _ in range(n)]
        report(f"`tls-certificates key generate --backend {backend}`", runs)
    # The system OpenSSL called directly: its own command-line tool, same EVP keygen + PEM out.
    version = subprocess.run(["openssl", "version"], capture_output=True, text=True, check=True)
    openssl_startup = statistics.median(child_cpu(["openssl", "version"]) for _ in range(10))
    runs = [child_cpu(["openssl", "genpkey", "-algorithm", "RSA",
                       "-pkeyopt", "rsa_keygen_bits:2048"]) - openssl_startup
            for _ in range(n)]
    report(f"`openssl genpkey` ({version.stdout.strip()})", runs)
    print()
    print(f"(process start-up subtracted: tls-certificates {startup * 1e3:.1f} ms, "
          f"openssl {openssl_startup * 1e3:.1f} ms CPU)")


if __name__ == "__main__":
    main()
