"""Direction Python -> Rust: keys, CSRs, certificates and chains made by the Python library are
parsed by both our backends with identical attributes (and equal to the Python library's own
view), and we issue certificates for Python-made CSRs that the Python library accepts."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import lint
import pytest
from attributes import COMBINATIONS, WILDCARD, expected_attributes
from charmlibs.interfaces.tls_certificates import (
    Certificate,
    CertificateRequestAttributes,
    CertificateSigningRequest,
    PrivateKey,
    chain_has_valid_order,
)
from conftest import BACKENDS, Cli, read, write_pem
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "python-reference"


# ------------------------------------------------------------------------ the Python library's view


def _spki_sha256(public_key) -> str:
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()


def _key_type(public_key) -> str:
    if isinstance(public_key, rsa.RSAPublicKey):
        return f"rsa-{public_key.key_size}"
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return {"secp256r1": "ecdsa-p256", "secp384r1": "ecdsa-p384"}[public_key.curve.name]
    return "ed25519"


def _name_value(name: x509.Name, oid: str) -> str | None:
    attrs = name.get_attributes_for_oid(x509.ObjectIdentifier(oid))
    return str(attrs[0].value) if attrs else None


def _subject_fields(name: x509.Name) -> dict[str, Any]:
    uid = _name_value(name, "2.5.4.45")
    return {
        "common_name": _name_value(name, "2.5.4.3"),
        "email_address": _name_value(name, "1.2.840.113549.1.9.1"),
        "organization": _name_value(name, "2.5.4.10"),
        "organizational_unit": _name_value(name, "2.5.4.11"),
        "country_name": _name_value(name, "2.5.4.6"),
        "state_or_province_name": _name_value(name, "2.5.4.8"),
        "locality_name": _name_value(name, "2.5.4.7"),
        "has_unique_identifier": uid is not None,
        "unique_identifier": uid,
        "subject": [
            {"oid": a.oid.dotted_string, "value": str(a.value)} for a in name
        ],
        "subject_rfc4514": name.rfc4514_string(),
    }


def python_view_csr(pem: str) -> dict[str, Any]:
    csr = CertificateSigningRequest.from_string(pem)
    x = csr._csr
    return {
        "kind": "csr",
        "signature_verified": x.is_signature_valid,
        **_subject_fields(x.subject),
        "sans_dns": sorted(csr.sans_dns),
        "sans_ip": sorted(csr.sans_ip),
        "sans_oid": sorted(csr.sans_oid),
        "public_key.key_type": _key_type(x.public_key()),
        "public_key.spki_sha256": _spki_sha256(x.public_key()),
        "lib_sha256_hex": csr.get_sha256_hex(),
        "pem": str(csr),
    }


def python_view_certificate(pem: str) -> dict[str, Any]:
    cert = Certificate.from_string(pem)
    x = cert._cert
    ext = x.extensions

    def ext_or_none(cls):
        try:
            return ext.get_extension_for_class(cls).value
        except x509.ExtensionNotFound:
            return None

    san = ext_or_none(x509.SubjectAlternativeName)
    ski = ext_or_none(x509.SubjectKeyIdentifier)
    aki = ext_or_none(x509.AuthorityKeyIdentifier)
    view = {
        "kind": "certificate",
        **_subject_fields(x.subject),
        "sans_dns": [str(v) for v in san.get_values_for_type(x509.DNSName)] if san else [],
        "sans_ip": [str(v) for v in san.get_values_for_type(x509.IPAddress)] if san else [],
        "sans_oid": [v.dotted_string for v in san.get_values_for_type(x509.RegisteredID)]
        if san
        else [],
        "sans_email": [str(v) for v in san.get_values_for_type(x509.RFC822Name)] if san else [],
        "is_ca": cert.is_ca,
        "not_before": x.not_valid_before_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "not_after": x.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "serial_hex": format(x.serial_number, "x"),
        "issuer": [{"oid": a.oid.dotted_string, "value": str(a.value)} for a in x.issuer],
        "issuer_rfc4514": x.issuer.rfc4514_string(),
        "subject_key_identifier": ski.digest.hex() if ski else None,
        "authority_key_identifier": aki.key_identifier.hex() if aki and aki.key_identifier else None,
        "public_key.key_type": _key_type(x.public_key()),
        "public_key.spki_sha256": _spki_sha256(x.public_key()),
        "fingerprint_sha256": x.fingerprint(hashes.SHA256()).hex(),
        "lib_sha256_hex": hashlib.sha256(str(cert).encode()).hexdigest(),
        "pem": str(cert),
    }
    # The Python library's own properties agree with the raw view above.
    assert cert.common_name == (view["common_name"] or "")
    assert (cert.sans_dns or set()) == set(view["sans_dns"])
    return view


def python_view_key(pem: str) -> dict[str, Any]:
    key = PrivateKey.from_string(pem)._private_key
    return {
        "kind": "private_key",
        "key_type": _key_type(key.public_key()),
        "public_key.key_type": _key_type(key.public_key()),
        "public_key.spki_sha256": _spki_sha256(key.public_key()),
    }


def project(report: dict[str, Any], keys) -> dict[str, Any]:
    """The fields of one of our `inspect` reports named by `keys` (dotted for nesting)."""
    out = {}
    for k in keys:
        value: Any = report
        for part in k.split("."):
            assert isinstance(value, dict) and part in value, f"inspect output lacks {k!r}"
            value = value[part]
        if k in ("subject", "issuer"):
            value = [{"oid": e["oid"], "value": e["value"]} for e in value]
        if k in ("sans_dns", "sans_ip", "sans_oid") and report.get("kind") == "csr":
            value = sorted(value)
        out[k] = value
    return out


def assert_both_backends_agree_with_python(tmp_path: Path, path: Path, python_view) -> None:
    want = python_view(read(path))
    reports = {}
    for backend in BACKENDS:
        report = Cli(backend, tmp_path).inspect(path)
        assert report.get("backend") == backend
        reports[backend] = {k: v for k, v in report.items() if k != "backend"}
        assert project(report, want.keys()) == want, f"{backend} disagrees with Python"
    assert reports["ring"] == reports["openssl"], "the two backends disagree"


# ------------------------------------------------------------------------------ material


@pytest.fixture(scope="module")
def py_root() -> tuple[PrivateKey, Certificate]:
    key = PrivateKey.generate()
    attrs = CertificateRequestAttributes(
        common_name="Python Root CA", organization="Python Org", country_name="GB", is_ca=True
    )
    return key, Certificate.generate_self_signed_ca(attrs, key, timedelta(days=3650))


PY_KEYS = {
    "rsa2048": lambda: PrivateKey.generate(),
    "rsa3072": lambda: PrivateKey.generate(key_size=3072),
    "p256": lambda: PrivateKey.generate(key_algorithm="ecdsa", key_size=256),
    "p384": lambda: PrivateKey.generate(key_algorithm="ecdsa", key_size=384),
}


# --------------------------------------------------------------------------------- parsing


@pytest.mark.parametrize("algorithm", sorted(PY_KEYS))
def test_given_python_key_when_inspected_then_both_backends_see_the_same_key(tmp_path, algorithm):
    key = PY_KEYS[algorithm]()
    path = write_pem(tmp_path / "key.pem", str(key))
    assert_both_backends_agree_with_python(tmp_path, path, python_view_key)


SUBJECT_FIELDS = {"common_name", "email_address", "organization", "organizational_unit",
                  "country_name", "state_or_province_name", "locality_name"}  # fmt: skip
# The Python library cannot build a CSR with an empty subject (SANs only, no unique id):
# cryptography refuses it. Those combinations exist only in the Rust -> Python direction.
PY_CSR_CASES = [
    pytest.param(combo, unique_id, id=f"{combo}-{'unique-id' if unique_id else 'no-unique-id'}")
    for combo in sorted(COMBINATIONS) + ["wildcard"]
    for unique_id in (True, False)
    if unique_id or SUBJECT_FIELDS & set(WILDCARD if combo == "wildcard" else COMBINATIONS[combo])
]


@pytest.mark.parametrize(("combo", "unique_id"), PY_CSR_CASES)
def test_given_python_csr_when_inspected_then_both_backends_read_its_attributes(
    tmp_path, combo, unique_id
):
    attrs = WILDCARD if combo == "wildcard" else COMBINATIONS[combo]
    csr = expected_attributes(attrs, unique_id=unique_id).generate_csr(PrivateKey.generate())
    path = write_pem(tmp_path / "csr.pem", str(csr))
    assert_both_backends_agree_with_python(tmp_path, path, python_view_csr)


@pytest.mark.parametrize("algorithm", ["p256", "p384"])
def test_given_python_ecdsa_csr_when_inspected_then_both_backends_read_it(tmp_path, algorithm):
    csr = expected_attributes(COMBINATIONS["everything"], unique_id=True).generate_csr(
        PY_KEYS[algorithm]()
    )
    path = write_pem(tmp_path / "csr.pem", str(csr))
    assert_both_backends_agree_with_python(tmp_path, path, python_view_csr)


@pytest.mark.parametrize("leaf_algorithm", ["rsa2048", "p256"])
@pytest.mark.parametrize("combo", ["everything", "wildcard", "ip-only", "unicode-subject"])
def test_given_python_certificate_when_inspected_then_both_backends_read_its_fields(
    tmp_path, py_root, combo, leaf_algorithm
):
    ca_key, ca = py_root
    attrs = WILDCARD if combo == "wildcard" else COMBINATIONS[combo]
    csr = expected_attributes(attrs, unique_id=True).generate_csr(PY_KEYS[leaf_algorithm]())
    cert = csr.sign(ca, ca_key, timedelta(days=365))
    path = write_pem(tmp_path / "cert.pem", str(cert))
    assert_both_backends_agree_with_python(tmp_path, path, python_view_certificate)
    ca_path = write_pem(tmp_path / "ca.pem", str(ca))
    assert_both_backends_agree_with_python(tmp_path, ca_path, python_view_certificate)
    for backend in BACKENDS:
        verdict = Cli(backend, tmp_path).verify_chain(path, ca_path)
        assert verdict.returncode == 0, verdict.stderr
        assert Cli(backend, tmp_path).verify_chain(ca_path, path).returncode != 0


def test_given_python_ca_request_certificate_when_inspected_then_is_ca(tmp_path, py_root):
    ca_key, ca = py_root
    csr = CertificateRequestAttributes(common_name="Python Intermediate", is_ca=True).generate_csr(
        PrivateKey.generate()
    )
    cert = csr.sign(ca, ca_key, timedelta(days=365), is_ca=True)
    path = write_pem(tmp_path / "inter.pem", str(cert))
    assert_both_backends_agree_with_python(tmp_path, path, python_view_certificate)
    assert Cli("ring", tmp_path).inspect(path)["is_ca"] is True


def test_given_python_chain_bundle_when_inspected_then_every_certificate_is_described(
    tmp_path, py_root
):
    ca_key, ca = py_root
    cert = CertificateRequestAttributes(common_name="bundle.example.com").generate_csr(
        PrivateKey.generate()
    ).sign(ca, ca_key, timedelta(days=30))
    bundle = write_pem(tmp_path / "chain.pem", str(cert) + "\n" + str(ca))
    for backend in BACKENDS:
        reports = Cli(backend, tmp_path).inspect(bundle)
        assert isinstance(reports, list) and len(reports) == 2
        assert [r["pem"] for r in reports] == [str(cert), str(ca)]
        assert Cli(backend, tmp_path).verify_chain(bundle).returncode == 0


def test_given_python_intermediate_chain_when_verified_then_we_reject_it_like_python(
    tmp_path, py_root
):
    """The Python library names the CA's *issuer* as the leaf's issuer: for a leaf signed by an
    intermediate that is the root, so the chain is not in order for Python nor for us."""
    ca_key, ca = py_root
    inter_key = PrivateKey.generate()
    inter = CertificateRequestAttributes(common_name="Py Intermediate", is_ca=True).generate_csr(
        inter_key
    ).sign(ca, ca_key, timedelta(days=365), is_ca=True)
    leaf = CertificateRequestAttributes(common_name="leaf.example.com").generate_csr(
        PrivateKey.generate()
    ).sign(inter, inter_key, timedelta(days=30))
    chain = [str(leaf), str(inter), str(ca)]
    assert not chain_has_valid_order(chain)
    paths = [write_pem(tmp_path / f"{i}.pem", c) for i, c in enumerate(chain)]
    for backend in BACKENDS:
        verdict = Cli(backend, tmp_path).verify_chain(*paths)
        assert verdict.returncode != 0, verdict.stdout
        # The root -> intermediate link alone is fine.
        assert Cli(backend, tmp_path).verify_chain(paths[1], paths[2]).returncode == 0


GOLDEN = {
    "private_key.pem": python_view_key,
    "ca_private_key.pem": python_view_key,
    "ec_private_key.pem": python_view_key,
    "csr.pem": python_view_csr,
    "csr_no_unique_id.pem": python_view_csr,
    "ca_request_csr.pem": python_view_csr,
    "ec_csr.pem": python_view_csr,
    "intermediate_leaf_csr.pem": python_view_csr,
    "ca_certificate.pem": python_view_certificate,
    "certificate.pem": python_view_certificate,
    "ca_request_certificate.pem": python_view_certificate,
    "ec_certificate.pem": python_view_certificate,
    "intermediate_leaf_certificate.pem": python_view_certificate,
}


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_given_golden_python_fixture_when_inspected_then_both_backends_agree_with_python(
    tmp_path, name
):
    path = FIXTURES / name
    assert path.is_file(), f"missing fixture {path}"
    assert_both_backends_agree_with_python(tmp_path, path, GOLDEN[name])


# ------------------------------------------------------- we issue for a Python-made CSR


@pytest.mark.parametrize("ca_source", ["python-ca", "our-ca"])
@pytest.mark.parametrize("combo", ["everything", "cn-and-sans", "unicode-subject", "dns-only"])
def test_given_python_csr_when_we_sign_it_then_python_accepts_the_certificate(
    cli: Cli, py_root, combo, ca_source
):
    attrs = COMBINATIONS[combo]
    key = PrivateKey.generate()
    csr = expected_attributes(attrs, unique_id=True).generate_csr(key)
    csr_path = write_pem(cli.workdir / "py.csr", str(csr))
    if ca_source == "python-ca":
        py_ca_key, py_ca = py_root
        ca_key_path = write_pem(cli.workdir / "py-ca.key", str(py_ca_key))
        ca_path = write_pem(cli.workdir / "py-ca.pem", str(py_ca))
    else:
        ca_key_path = cli.key("rsa2048")
        ca_path = cli.ca(ca_key_path, "Our Root CA")

    cert_path = cli.sign(csr_path, ca_path, ca_key_path, validity_days=90)
    cert = Certificate.from_string(read(cert_path))
    ca = Certificate.from_string(read(ca_path))

    assert csr.matches_certificate(cert)
    assert cert.matches_private_key(key)
    assert chain_has_valid_order([str(cert), str(ca)])
    # What the Python requirer checks before accepting a certificate (_find_available_certificates):
    assert CertificateRequestAttributes.from_csr(csr, is_ca=cert.is_ca) == expected_attributes(
        attrs, unique_id=True
    )
    for field in ("common_name", "organization", "organizational_unit", "country_name",
                  "state_or_province_name", "locality_name", "email_address"):  # fmt: skip
        assert getattr(cert, field) == getattr(csr, field), field
    assert (cert.sans_dns or set()) == csr.sans_dns
    assert (cert.sans_ip or set()) == csr.sans_ip
    assert (cert.sans_oid or set()) == csr.sans_oid
    # The subject (including the Python-made unique identifier) is copied from the CSR.
    assert cert._cert.subject == csr._csr.subject
    problems = lint.findings(str(cert))
    assert problems == [], "\n".join(problems)
    count, text = lint.chain_findings(ca_path, cert_path)
    assert count == 0, text


def test_given_python_ca_request_when_we_sign_it_as_ca_then_python_chains_through_it(
    cli: Cli, py_root
):
    py_ca_key, py_ca = py_root
    inter_key = PrivateKey.generate()
    inter_csr = CertificateRequestAttributes(common_name="Py Inter", is_ca=True).generate_csr(inter_key)
    ca_key_path = write_pem(cli.workdir / "py-ca.key", str(py_ca_key))
    ca_path = write_pem(cli.workdir / "py-ca.pem", str(py_ca))
    inter_path = cli.sign(write_pem(cli.workdir / "inter.csr", str(inter_csr)), ca_path, ca_key_path, ca=True)
    inter = Certificate.from_string(read(inter_path))
    assert inter.is_ca
    # A Python-made leaf signed by our intermediate with our CLI, Python-made key throughout.
    inter_key_path = write_pem(cli.workdir / "inter.key", str(inter_key))
    leaf_csr = CertificateRequestAttributes(common_name="leaf.example.com").generate_csr(
        PrivateKey.generate()
    )
    leaf_path = cli.sign(write_pem(cli.workdir / "leaf.csr", str(leaf_csr)), inter_path, inter_key_path)
    assert chain_has_valid_order([read(leaf_path).strip(), str(inter), str(py_ca)])
    for c in (inter, Certificate.from_string(read(leaf_path))):
        assert lint.findings(str(c)) == []


# ------------------------------------- the subject policy still takes every Python CSR


# Each subject attribute at its RFC 5280 upper bound, in characters (multi-byte where the type
# allows), SANs of every kind: the largest subject the Python library builds that RFC 5280
# allows.
AT_THE_BOUNDS: dict[str, Any] = {
    "common_name": "c" * 52 + ".example.com",  # ub-common-name 64 (cryptography's limit too)
    "organization": "é" * 64,  # ub-organization-name
    "organizational_unit": "Ü" * 64,  # ub-organizational-unit-name
    "state_or_province_name": "ś" * 128,  # ub-state-name
    "locality_name": "ł" * 128,  # ub-locality-name
    "email_address": "admin@" + "e" * 61 + "." + "x" * 63 + ".example.com",
    "country_name": "GB",
    "sans_dns": {"bounds.example.com"},
    "sans_ip": {"10.0.0.7"},
    "sans_oid": {"1.3.6.1.4.1.28978.9"},
}


@pytest.mark.parametrize("unique_id", [True, False], ids=["unique-id", "no-unique-id"])
def test_given_python_csr_at_the_rfc_5280_bounds_when_inspected_and_signed_then_accepted(
    tmp_path, py_root, unique_id
):
    key = PrivateKey.generate()
    csr = expected_attributes(AT_THE_BOUNDS, unique_id=unique_id).generate_csr(key)
    path = write_pem(tmp_path / "csr.pem", str(csr))
    assert_both_backends_agree_with_python(tmp_path, path, python_view_csr)
    py_ca_key, py_ca = py_root
    ca_key_path = write_pem(tmp_path / "py-ca.key", str(py_ca_key))
    ca_path = write_pem(tmp_path / "py-ca.pem", str(py_ca))
    for backend in BACKENDS:
        cert_path = Cli(backend, tmp_path).sign(path, ca_path, ca_key_path, validity_days=30)
        cert = Certificate.from_string(read(cert_path))
        assert cert._cert.subject == csr._csr.subject, backend
        assert lint.findings(str(cert)) == [], backend


@pytest.mark.parametrize(
    ("field", "value", "bound"),
    [
        ("organization", "o" * 65, 64),
        ("organizational_unit", "u" * 65, 64),
        ("state_or_province_name", "s" * 129, 128),
        ("locality_name", "l" * 129, 128),
        ("email_address", "a" * 244 + "@example.com", 255),
    ],
)
def test_given_python_csr_over_an_rfc_5280_bound_when_inspected_then_refused_and_pkilint_agrees(
    tmp_path, py_root, field, value, bound
):
    """The one kind of Python-built CSR the subject policy refuses: `cryptography` bounds only
    the common name and country, so the Python library builds these; a certificate copying such
    a subject is not RFC 5280 (pkilint: fatal ASN.1 size constraint)."""
    attrs = {"common_name": "over.example.com", field: value}
    csr = expected_attributes(attrs, unique_id=True).generate_csr(PrivateKey.generate())
    path = write_pem(tmp_path / "csr.pem", str(csr))
    for backend in BACKENDS:
        proc = Cli(backend, tmp_path).run("inspect", path, "--json", check=False)
        assert proc.returncode != 0, backend
        assert field in proc.stderr and f"longer than {bound} characters" in proc.stderr, (
            proc.stderr
        )
    py_ca_key, py_ca = py_root
    python_issued = Certificate.generate(csr, py_ca, py_ca_key, timedelta(days=1))
    problems = lint.findings(str(python_issued))
    assert any("invalid_asn1_syntax" in p for p in problems), problems
