"""Direction Rust -> Python, certificates: CAs and certificates our CLI issues load in the Python
library with the expected fields, form chains it accepts, and are RFC 5280 clean for pkilint."""

from __future__ import annotations

import ipaddress
from datetime import datetime, timedelta, timezone

import lint
import pytest
from attributes import COMBINATIONS, WILDCARD
from charmlibs.interfaces.tls_certificates import (
    Certificate,
    CertificateSigningRequest,
    PrivateKey,
    chain_has_valid_order,
)
from conftest import BACKENDS, Cli, read
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_ALGORITHMS = ("rsa2048", "p256", "p384")


def load(path) -> Certificate:
    return Certificate.from_string(read(path))


def assert_lint_clean(cert: Certificate) -> None:
    problems = lint.findings(str(cert))
    assert problems == [], "pkilint (RFC 5280, WARNING and above):\n" + "\n".join(problems)


def assert_pair_clean(issuer_path, subject_path) -> None:
    count, text = lint.chain_findings(issuer_path, subject_path)
    assert count == 0, "pkilint issuer/subject pair (WARNING and above):\n" + text


def assert_fields(cert: Certificate, attrs: dict) -> None:
    """The Python library's view of an issued certificate equals the requested attributes."""
    assert cert.common_name == attrs.get("common_name", "")
    for san in ("sans_dns", "sans_ip", "sans_oid"):
        want = set(attrs.get(san, ()))
        # Certificate.sans_* is None without a SAN extension, a set otherwise.
        assert (getattr(cert, san) or set()) == want, san
    for field in (
        "email_address",
        "organization",
        "organizational_unit",
        "country_name",
        "state_or_province_name",
        "locality_name",
    ):
        assert getattr(cert, field) == attrs.get(field), field


@pytest.fixture
def root(cli: Cli):
    key = cli.key("rsa2048")
    cert = cli.ca(key, "Interop Root CA", validity_days=3650)
    return key, cert


# ---------------------------------------------------------------------------------------- CAs


@pytest.mark.parametrize("algorithm", CA_ALGORITHMS)
def test_given_our_self_signed_ca_when_python_loads_it_then_fields_and_profile_are_right(
    cli: Cli, algorithm: str
):
    key_path = cli.key(algorithm)
    before = datetime.now(timezone.utc)
    ca = load(cli.ca(key_path, "Interop Root CA", validity_days=3650))

    assert ca.is_ca is True
    assert ca.common_name == "Interop Root CA"
    assert ca.matches_private_key(PrivateKey.from_string(read(key_path)))
    x = ca._cert
    assert x.issuer == x.subject
    x.verify_directly_issued_by(x)
    assert ca.validity_start_time <= before
    assert timedelta(days=3650) <= ca.expiry_time - ca.validity_start_time <= timedelta(days=3651)
    assert x.extensions.get_extension_for_class(x509.BasicConstraints).critical
    ski = x.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert ski.digest == x509.SubjectKeyIdentifier.from_public_key(x.public_key()).digest
    ku = x.extensions.get_extension_for_class(x509.KeyUsage)
    assert ku.critical
    assert ku.value.key_cert_sign and ku.value.crl_sign
    assert chain_has_valid_order([str(ca)])
    assert_lint_clean(ca)


# ------------------------------------------------------------------------------------- leaves


@pytest.mark.parametrize("combo", sorted(COMBINATIONS))
def test_given_our_leaf_when_python_loads_it_then_fields_match_the_request_and_lint_is_clean(
    cli: Cli, root, combo: str
):
    ca_key, ca_cert = root
    attrs = COMBINATIONS[combo]
    key_path = cli.key("rsa2048")
    csr_path = cli.csr(key_path, attrs)
    leaf_path = cli.sign(csr_path, ca_cert, ca_key, validity_days=90)
    leaf = load(leaf_path)
    ca = load(ca_cert)

    assert leaf.is_ca is False
    assert_fields(leaf, attrs)
    assert leaf.matches_private_key(PrivateKey.from_string(read(key_path)))
    assert CertificateSigningRequest.from_string(read(csr_path)).matches_certificate(leaf)
    assert chain_has_valid_order([str(leaf), str(ca)])
    assert leaf._cert.issuer == ca._cert.subject
    assert_lint_clean(leaf)
    assert_pair_clean(ca_cert, leaf_path)


@pytest.mark.parametrize("algorithm", ["rsa2048", "rsa3072", "p256", "p384", "ed25519"])
def test_given_each_leaf_key_algorithm_when_signed_then_python_accepts_the_certificate(
    cli: Cli, root, algorithm: str
):
    ca_key, ca_cert = root
    attrs = COMBINATIONS["everything"]
    key_path = cli.key(algorithm)
    leaf = load(cli.sign(cli.csr(key_path, attrs), ca_cert, ca_key))
    assert_fields(leaf, attrs)
    assert leaf._cert.public_key() == PrivateKey.from_string(read(key_path))._private_key.public_key()
    assert chain_has_valid_order([str(leaf), read(ca_cert)])
    assert_lint_clean(leaf)


def test_given_leaf_when_issued_then_profile_matches_the_design(cli: Cli, root):
    ca_key, ca_cert = root
    attrs = COMBINATIONS["everything"]
    before = datetime.now(timezone.utc).replace(microsecond=0)
    leaf = load(cli.sign(cli.csr(cli.key("rsa2048"), attrs), ca_cert, ca_key, validity_days=30))
    ca = load(ca_cert)._cert
    x = leaf._cert
    ext = x.extensions

    # Back-dated for clock skew, lifetime as requested, positive <= 159-bit random serial.
    assert x.not_valid_before_utc < before
    assert before - x.not_valid_before_utc <= timedelta(minutes=5)
    assert timedelta(days=30) <= x.not_valid_after_utc - before <= timedelta(days=30, minutes=5)
    assert 0 < x.serial_number < 2**159
    assert x.version == x509.Version.v3
    # Issuer = CA subject (fixes the Python library's issuer quirk).
    assert x.issuer == ca.subject
    aki = ext.get_extension_for_class(x509.AuthorityKeyIdentifier)
    assert not aki.critical
    assert aki.value.key_identifier == ca.extensions.get_extension_for_class(
        x509.SubjectKeyIdentifier
    ).value.digest
    ski = ext.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert ski.digest == x509.SubjectKeyIdentifier.from_public_key(x.public_key()).digest
    bc = ext.get_extension_for_class(x509.BasicConstraints)
    assert bc.critical and bc.value.ca is False
    ku = ext.get_extension_for_class(x509.KeyUsage).value
    assert ku.digital_signature
    assert ku.key_encipherment is isinstance(x.public_key(), rsa.RSAPublicKey)
    assert not ku.key_cert_sign
    eku = ext.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert set(eku) == {ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH}
    san = ext.get_extension_for_class(x509.SubjectAlternativeName).value
    # The subject email is also an rfc822Name SAN (as the Python library does).
    assert san.get_values_for_type(x509.RFC822Name) == [attrs["email_address"]]
    assert {str(i) for i in san.get_values_for_type(x509.IPAddress)} == attrs["sans_ip"]
    assert all(isinstance(i, (ipaddress.IPv4Address, ipaddress.IPv6Address))
               for i in san.get_values_for_type(x509.IPAddress))  # fmt: skip
    # Subject copied from the CSR.
    assert x.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == attrs["common_name"]


def test_given_two_certificates_for_one_key_when_issued_then_serials_differ(cli: Cli, root):
    ca_key, ca_cert = root
    csr = cli.csr(cli.key(), {"common_name": "serial.example.com"})
    a, b = load(cli.sign(csr, ca_cert, ca_key)), load(cli.sign(csr, ca_cert, ca_key))
    assert a._cert.serial_number != b._cert.serial_number


def test_given_wildcard_request_when_issued_then_python_reads_it_and_pkilint_only_flags_the_wildcard(
    cli: Cli, root
):
    ca_key, ca_cert = root
    key_path = cli.key()
    leaf = load(cli.sign(cli.csr(key_path, WILDCARD), ca_cert, ca_key))
    assert_fields(leaf, WILDCARD)
    assert chain_has_valid_order([str(leaf), read(ca_cert)])
    problems = lint.findings(str(leaf))
    # pkilint's RFC 5280 DNS syntax check rejects '*' labels: that one finding and nothing else.
    assert len(problems) == 1, problems
    assert problems[0].startswith("pkix.invalid_domain_name_syntax (ERROR)")
    assert '"*.wild.example.com"' in problems[0]


# -------------------------------------------------------------------------------------- chains


@pytest.mark.parametrize("algorithm", CA_ALGORITHMS)
def test_given_root_intermediate_leaf_when_issued_then_python_accepts_the_chain_order(
    cli: Cli, algorithm: str
):
    root_key = cli.key(algorithm)
    root_cert = cli.ca(root_key, "Interop Root CA")
    inter_key = cli.key(algorithm)
    inter_csr = cli.csr(inter_key, {"common_name": "Interop Intermediate CA", "is_ca": True})
    inter_cert = cli.sign(inter_csr, root_cert, root_key, validity_days=1825, ca=True)
    leaf_csr = cli.csr(cli.key(algorithm), COMBINATIONS["cn-and-sans"])
    leaf_cert = cli.sign(leaf_csr, inter_cert, inter_key, validity_days=90)

    root, inter, leaf = load(root_cert), load(inter_cert), load(leaf_cert)
    assert inter.is_ca and not leaf.is_ca
    assert leaf._cert.issuer == inter._cert.subject
    assert inter._cert.issuer == root._cert.subject
    assert chain_has_valid_order([str(leaf), str(inter), str(root)])
    assert not chain_has_valid_order([str(leaf), str(root), str(inter)])
    assert not chain_has_valid_order([str(root), str(inter), str(leaf)])

    # Intermediate profile: CA:true critical, keyCertSign + cRLSign critical.
    bc = inter._cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert bc.critical and bc.value.ca
    ku = inter._cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert ku.critical and ku.value.key_cert_sign and ku.value.crl_sign
    for c in (root, inter, leaf):
        assert_lint_clean(c)
    assert_pair_clean(root_cert, inter_cert)
    assert_pair_clean(inter_cert, leaf_cert)
    # Negative control: the pair linter does notice a leaf presented with the wrong issuer.
    count, text = lint.chain_findings(root_cert, leaf_cert)
    assert count > 0, text

    # Our own chain check agrees with Python's.
    assert cli.verify_chain(leaf_cert, inter_cert, root_cert).returncode == 0
    assert cli.verify_chain(leaf_cert, root_cert, inter_cert).returncode != 0


def test_given_backends_mixed_when_building_a_chain_then_python_accepts_it(make_cli):
    ring, openssl = make_cli("ring"), make_cli("openssl")
    root_key = ring.key("rsa2048")
    root_cert = ring.ca(root_key, "Mixed Root CA")
    inter_key = openssl.key("rsa2048")
    inter_cert = openssl.sign(
        openssl.csr(inter_key, {"common_name": "Mixed Intermediate", "is_ca": True}),
        root_cert, root_key, ca=True,
    )  # fmt: skip
    leaf_cert = ring.sign(ring.csr(openssl.key("p256"), {"common_name": "mixed.example.com"}),
                          inter_cert, inter_key)  # fmt: skip
    chain = [read(leaf_cert), read(inter_cert), read(root_cert)]
    assert chain_has_valid_order(chain)
    for backend in BACKENDS:
        assert make_cli(backend).verify_chain(leaf_cert, inter_cert, root_cert).returncode == 0
