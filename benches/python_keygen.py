#!/usr/bin/env python3
"""Median RSA-2048 key generation time of the Python library's path, on this machine, now.

The Python library's `generate_private_key()` is `rsa.generate_private_key(65537, 2048)` followed
by a TraditionalOpenSSL (PKCS#1) PEM export; this times exactly that with the `cryptography`
package that is installed. Run it next to `cargo bench ... keygen/rsa2048` so both see the same
machine load.

Usage: python3 benches/python_keygen.py [N]   (default N = 60)
"""
import statistics
import sys
import time

import cryptography
from cryptography.hazmat.backends.openssl.backend import backend as openssl_backend
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def keygen():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    keygen()  # warm-up
    times = []
    for _ in range(n):
        start = time.perf_counter()
        keygen()
        times.append(time.perf_counter() - start)
    q = statistics.quantiles(times, n=4)
    print(
        f"python cryptography {cryptography.__version__} ({openssl_backend.openssl_version_text()}): "
        f"RSA-2048 keygen+PEM n={n} median {statistics.median(times) * 1e3:.1f} ms "
        f"(quartiles {q[0] * 1e3:.1f}–{q[2] * 1e3:.1f} ms)"
    )


if __name__ == "__main__":
    main()
