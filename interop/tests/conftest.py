"""Shared fixtures: a thin driver for our `tls-certificates` CLI, and pkilint.

The binary comes from $TLS_CERTIFICATES_BIN (interop/run.sh sets it). Without it the whole
session fails at start-up: nothing is skipped silently.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

BACKENDS = ("ring", "openssl")
CLI_TIMEOUT_S = 60


def pytest_configure(config: pytest.Config) -> None:
    binary = os.environ.get("TLS_CERTIFICATES_BIN")
    if not binary:
        raise pytest.UsageError(
            "TLS_CERTIFICATES_BIN is not set: run the suite with interop/run.sh (just interop)"
        )
    if not os.access(binary, os.X_OK):
        raise pytest.UsageError(f"TLS_CERTIFICATES_BIN={binary} is not an executable file")


class CliError(AssertionError):
    """Our CLI exited non-zero where success was expected."""


@dataclass
class Cli:
    """Runs `tls-certificates ... --backend <backend>` in a scratch directory."""

    backend: str
    workdir: Path

    @property
    def binary(self) -> str:
        return os.environ["TLS_CERTIFICATES_BIN"]

    def run(
        self, *args: str | os.PathLike[str], stdin: str | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        argv = [self.binary, *map(str, args), "--backend", self.backend]
        proc = subprocess.run(
            argv,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT_S,
            cwd=self.workdir,
            check=False,
        )
        if check and proc.returncode != 0:
            raise CliError(
                f"{' '.join(argv)} exited {proc.returncode}\n"
                f"stdout: {proc.stdout}\nstderr: {proc.stderr}"
            )
        return proc

    def _path(self, name: str) -> Path:
        # Unique file names inside this test's directory.
        base = self.workdir / name
        path, n = base, 0
        while path.exists():
            n += 1
            path = base.with_name(f"{base.stem}-{n}{base.suffix}")
        return path

    def key(self, algorithm: str = "rsa2048") -> Path:
        out = self._path(f"{algorithm}.key.pem")
        self.run("key", "generate", "--algorithm", algorithm, "--out", out)
        return out

    def csr(self, key: Path, attrs: dict[str, Any], *, unique_id: bool = True) -> Path:
        out = self._path("request.csr.pem")
        self.run("csr", "create", "--key", key, *csr_args(attrs, unique_id=unique_id), "--out", out)
        return out

    def ca(self, key: Path, common_name: str, validity_days: int = 3650) -> Path:
        out = self._path("ca.cert.pem")
        self.run(
            "ca", "create", "--key", key, "--common-name", common_name,
            "--validity-days", str(validity_days), "--out", out,
        )  # fmt: skip
        return out

    def sign(
        self, csr: Path, ca_cert: Path, ca_key: Path, *, validity_days: int = 365, ca: bool = False
    ) -> Path:
        out = self._path("issued.cert.pem")
        extra = ["--ca"] if ca else []
        self.run(
            "cert", "sign", "--csr", csr, "--ca-cert", ca_cert, "--ca-key", ca_key,
            "--validity-days", str(validity_days), *extra, "--out", out,
        )  # fmt: skip
        return out

    def inspect(self, path: Path) -> dict[str, Any]:
        proc = self.run("inspect", path, "--json")
        try:
            return json.loads(proc.stdout)
        except json.JSONDecodeError as e:
            raise AssertionError(f"inspect printed no JSON: {proc.stdout!r}") from e

    def verify_chain(self, *paths: Path) -> subprocess.CompletedProcess[str]:
        return self.run("verify-chain", *paths, check=False)


def csr_args(attrs: dict[str, Any], *, unique_id: bool = True) -> list[str]:
    """CLI flags for a request described with CertificateRequestAttributes' keyword names."""
    flags = {
        "common_name": "--common-name",
        "email_address": "--email",
        "organization": "--organization",
        "organizational_unit": "--organizational-unit",
        "country_name": "--country",
        "state_or_province_name": "--state",
        "locality_name": "--locality",
    }
    multi = {"sans_dns": "--san-dns", "sans_ip": "--san-ip", "sans_oid": "--san-oid"}
    args: list[str] = []
    for name, value in attrs.items():
        if name in flags:
            args += [flags[name], value]
        elif name in multi:
            for v in sorted(value):
                args += [multi[name], v]
        elif name == "is_ca":
            if value:
                args.append("--ca")
        else:
            raise KeyError(f"unknown attribute {name}")
    if not unique_id:
        args.append("--no-unique-id")
    return args


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def cli(backend: str, tmp_path: Path) -> Cli:
    return Cli(backend, tmp_path)


@pytest.fixture
def make_cli(tmp_path: Path):
    """Cli for an explicit backend (for tests that mix backends)."""

    def make(backend: str) -> Cli:
        return Cli(backend, tmp_path)

    return make


def read(path: Path) -> str:
    return path.read_text()


def write_pem(path: Path, text: str) -> Path:
    """Write a Python library str() (no trailing newline) as a file with one newline."""
    path.write_text(text.strip() + "\n")
    return path


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    """No silent skips: a skipped test (other than an expected failure) fails the run."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped tests count as failures in the interop suite: {report.longrepr}"
