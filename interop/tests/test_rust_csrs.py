"""Direction Rust -> Python, CSRs: what our CLI builds, the Python library reads back exactly."""

from __future__ import annotations

import itertools
import random
import uuid

import pytest
from attributes import COMBINATIONS, WILDCARD, describe, expected_attributes, python_csr
from charmlibs.interfaces.tls_certificates import (
    CertificateRequestAttributes,
    CertificateSigningRequest,
    PrivateKey,
)
from conftest import Cli, csr_args, read
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtensionOID

KEY_ALGORITHMS = ("rsa2048", "p256", "p384", "ed25519")
# Algorithms whose keys the Python library can match against a CSR (RSA and ECDSA in 1.12).
MATCHABLE = ("rsa2048", "rsa3072", "p256", "p384")


@pytest.mark.parametrize("unique_id", [True, False], ids=["unique-id", "no-unique-id"])
@pytest.mark.parametrize("combo", sorted(COMBINATIONS) + ["wildcard"])
@pytest.mark.parametrize("algorithm", ["rsa2048", "p256"])
def test_given_our_csr_when_python_loads_it_then_attributes_are_the_requested_ones(
    cli: Cli, algorithm: str, combo: str, unique_id: bool
):
    attrs = WILDCARD if combo == "wildcard" else COMBINATIONS[combo]
    key = cli.key(algorithm)
    csr_path = cli.csr(key, attrs, unique_id=unique_id)

    csr = CertificateSigningRequest.from_string(read(csr_path))
    got = CertificateRequestAttributes.from_csr(csr, is_ca=False)
    want = expected_attributes(attrs, unique_id=unique_id)

    assert describe(got) == describe(want)
    assert got == want
    assert csr.has_unique_identifier is unique_id
    assert csr.additional_critical_extensions == []
    # The Python library hashes its canonical re-encoding for secret labels; ours must be canonical.
    assert str(csr) == read(csr_path).strip()


@pytest.mark.parametrize("algorithm", KEY_ALGORITHMS)
def test_given_each_key_algorithm_when_python_loads_our_csr_then_signature_and_key_are_valid(
    cli: Cli, algorithm: str
):
    attrs = COMBINATIONS["everything"]
    key_path = cli.key(algorithm)
    csr_path = cli.csr(key_path, attrs)

    raw = x509.load_pem_x509_csr(read(csr_path).encode())
    assert raw.is_signature_valid
    key = PrivateKey.from_string(read(key_path))
    expected_type = {
        "rsa2048": rsa.RSAPrivateKey,
        "p256": ec.EllipticCurvePrivateKey,
        "p384": ec.EllipticCurvePrivateKey,
        "ed25519": ed25519.Ed25519PrivateKey,
    }[algorithm]
    assert isinstance(key._private_key, expected_type)
    assert raw.public_key() == key._private_key.public_key()
    csr = CertificateSigningRequest.from_csr(raw)
    assert CertificateRequestAttributes.from_csr(csr, False) == expected_attributes(
        attrs, unique_id=True
    )


@pytest.mark.parametrize("algorithm", MATCHABLE)
def test_given_our_key_when_python_matches_it_against_our_csr_then_it_matches(
    cli: Cli, algorithm: str
):
    key_path = cli.key(algorithm)
    other_key_path = cli.key(algorithm)
    csr = CertificateSigningRequest.from_string(read(cli.csr(key_path, {"common_name": "m.example.com"})))

    key = PrivateKey.from_string(read(key_path))
    assert key.is_valid()
    assert csr.matches_private_key(key)
    assert not csr.matches_private_key(PrivateKey.from_string(read(other_key_path)))
    if algorithm.startswith("rsa"):
        # Our RSA keys are PKCS#1, like the Python library's own: the PEM round-trips unchanged.
        assert read(key_path).startswith("-----BEGIN RSA PRIVATE KEY-----")
        assert str(key) == read(key_path).strip()
    else:
        assert read(key_path).startswith("-----BEGIN EC PRIVATE KEY-----")
        assert str(key) == read(key_path).strip()


def test_given_ca_request_when_python_reads_it_with_is_ca_then_attributes_match(cli: Cli):
    attrs = {"common_name": "intermediate.example.com", "organization": "Example Org", "is_ca": True}
    csr = CertificateSigningRequest.from_string(read(cli.csr(cli.key(), attrs)))
    got = CertificateRequestAttributes.from_csr(csr, is_ca=True)
    assert got == expected_attributes(attrs, unique_id=True, is_ca=True)


def _subject_shape(name: x509.Name) -> list[tuple[str, object]]:
    """(OID, ASN.1 string type) per RDN, one attribute each; the unique id value varies."""
    shape = []
    for rdn in name.rdns:
        assert len(rdn) == 1, f"multi-valued RDN {rdn}"
        (attr,) = rdn
        shape.append((attr.oid.dotted_string, attr._type))
    return shape


@pytest.mark.parametrize("unique_id", [True, False], ids=["unique-id", "no-unique-id"])
def test_given_same_attributes_when_python_and_we_build_csrs_then_subjects_and_sans_have_the_same_shape(
    cli: Cli, unique_id: bool
):
    attrs = COMBINATIONS["everything"]
    key_path = cli.key("rsa2048")
    ours = x509.load_pem_x509_csr(read(cli.csr(key_path, attrs, unique_id=unique_id)).encode())
    theirs = python_csr(attrs, PrivateKey.from_string(read(key_path)), unique_id=unique_id)._csr

    assert _subject_shape(ours.subject) == _subject_shape(theirs.subject)
    for oid in (x for x, _ in _subject_shape(ours.subject) if x != "2.5.4.45"):
        o = ours.subject.get_attributes_for_oid(x509.ObjectIdentifier(oid))
        t = theirs.subject.get_attributes_for_oid(x509.ObjectIdentifier(oid))
        assert [a.value for a in o] == [a.value for a in t]
    if unique_id:
        (uid,) = ours.subject.get_attributes_for_oid(x509.ObjectIdentifier("2.5.4.45"))
        assert str(uuid.UUID(uid.value)) == uid.value, "x500UniqueIdentifier is a UUID string"

    ours_ext = {e.oid.dotted_string: e for e in ours.extensions}
    theirs_ext = {e.oid.dotted_string: e for e in theirs.extensions}
    assert set(ours_ext) == set(theirs_ext) == {ExtensionOID.SUBJECT_ALTERNATIVE_NAME.dotted_string}
    san_ours = ours_ext[ExtensionOID.SUBJECT_ALTERNATIVE_NAME.dotted_string]
    san_theirs = theirs_ext[ExtensionOID.SUBJECT_ALTERNATIVE_NAME.dotted_string]
    assert san_ours.critical is san_theirs.critical is False
    # Python builds the SAN from a set (order varies between runs): compare as sets.
    assert set(san_ours.value) == set(san_theirs.value)
    assert ours.signature_hash_algorithm.name == theirs.signature_hash_algorithm.name == "sha256"


# One value per attribute kind; every subset of the ten kinds is requested below.
EVERY_KIND = {
    "common_name": "every.example.com",
    "sans_dns": {"every.example.com", "alt.example.net"},
    "sans_ip": {"10.9.8.7", "2001:db8::42"},
    "sans_oid": {"1.3.6.1.4.1.28978.3"},
    "email_address": "every@example.com",
    "organization": "Every Org",
    "organizational_unit": "Every Unit",
    "country_name": "FR",
    "state_or_province_name": "Île-de-France",
    "locality_name": "Paris",
}
NAME_OR_SAN = {"common_name", "sans_dns", "sans_ip", "sans_oid"}


def test_given_every_attribute_combination_when_python_reads_our_csrs_then_all_round_trip(
    cli: Cli,
):
    """All 2^10 subsets of the attribute kinds. The unique identifier is on or off per subset
    (seeded, so both occur across sizes). Subsets without a common name or SAN must be refused,
    as the Python library refuses them (ValueError)."""
    rng = random.Random(20261128)
    key = cli.key("rsa2048")
    kinds = sorted(EVERY_KIND)
    mismatches, accepted, refused = [], 0, 0
    for n in range(len(kinds) + 1):
        for subset in itertools.combinations(kinds, n):
            attrs = {k: EVERY_KIND[k] for k in subset}
            unique_id = rng.random() < 0.5
            if not NAME_OR_SAN & set(subset):
                with pytest.raises(ValueError):
                    CertificateRequestAttributes(**attrs)
                proc = cli.run("csr", "create", "--key", key, *csr_args(attrs, unique_id=unique_id), check=False)
                if proc.returncode == 0:
                    mismatches.append((subset, "CLI accepted a request without CN or SAN"))
                refused += 1
                continue
            proc = cli.run("csr", "create", "--key", key, *csr_args(attrs, unique_id=unique_id), check=False)
            if proc.returncode != 0:
                mismatches.append((subset, f"CLI failed: {proc.stderr.strip()}"))
                continue
            csr = CertificateSigningRequest.from_string(proc.stdout)
            got = describe(CertificateRequestAttributes.from_csr(csr, is_ca=False))
            want = describe(expected_attributes(attrs, unique_id=unique_id))
            if got != want:
                mismatches.append((subset, {k: (got[k], want[k]) for k in got if got[k] != want[k]}))
            accepted += 1
    assert (accepted, refused) == (1024 - 64, 64)
    assert mismatches == [], f"{len(mismatches)} combinations differ, e.g. {mismatches[:5]}"


def test_given_non_canonical_request_when_python_reads_our_csr_then_it_sees_the_canonical_form(
    cli: Cli,
):
    """We canonicalise before building the CSR, so what the Python library reads back equals the
    canonical request (a Python requirer would otherwise churn on '2001:DB8::1')."""
    key = cli.key("rsa2048")
    proc = cli.run(
        "csr", "create", "--key", key, "--common-name", "Canon.Example.com",
        "--san-dns", "Foo.Example.COM", "--san-ip", "2001:DB8:0:0::1", "--san-ip", "192.168.0.1",
        "--san-oid", "1.2.3.4",
    )  # fmt: skip
    got = CertificateRequestAttributes.from_csr(CertificateSigningRequest.from_string(proc.stdout), False)
    assert got.sans_dns == {"foo.example.com"}
    assert got.sans_ip == {"2001:db8::1", "192.168.0.1"}
    assert got.sans_oid == {"1.2.3.4"}
    assert got.common_name == "Canon.Example.com"  # the CN is not a DNS name: kept as given
