"""Request-attribute combinations shared by the CSR and certificate tests.

Values are canonical (DNS lower-case, IPs in Python's `str(ip_address(...))` form), as our
library canonicalises them before building a CSR.
"""

from __future__ import annotations

from typing import Any

from charmlibs.interfaces.tls_certificates import (
    CertificateRequestAttributes,
    CertificateSigningRequest,
)

SUBJECT_ONLY = {
    "email_address": "admin@example.com",
    "organization": "Example Org",
    "organizational_unit": "Platform",
    "country_name": "GB",
    "state_or_province_name": "England",
    "locality_name": "London",
}

# name -> attributes (CertificateRequestAttributes keyword names). None contains a wildcard
# unless its name says so: pkilint flags wildcards, see test_certificates.py.
COMBINATIONS: dict[str, dict[str, Any]] = {
    "cn-only": {"common_name": "cn-only.example.com"},
    "dns-only": {"sans_dns": {"a.example.com", "b.example.com"}},
    "ip-only": {"sans_ip": {"10.0.0.1", "2001:db8::1"}},
    "oid-only": {"sans_oid": {"1.3.6.1.4.1.28978.1"}},
    "cn-and-sans": {
        "common_name": "svc.example.com",
        "sans_dns": {"svc.example.com", "svc.internal"},
        "sans_ip": {"192.168.1.10", "fe80::1"},
        "sans_oid": {"1.2.3.4", "1.3.6.1.4.1.28978.2"},
    },
    "subject-only": {"common_name": "subject.example.com", **SUBJECT_ONLY},
    "everything": {
        "common_name": "everything.example.com",
        "sans_dns": {"everything.example.com", "alt.example.org"},
        "sans_ip": {"127.0.0.1", "::1"},
        "sans_oid": {"1.2.3.4.5"},
        **SUBJECT_ONLY,
    },
    "unicode-subject": {
        "common_name": "unicode.example.com",
        "organization": "Société Générale Ünïcode",
        "locality_name": "São Paulo",
        "state_or_province_name": "Zürich",
        "country_name": "BR",
    },
}

WILDCARD = {
    "common_name": "wild.example.com",
    "sans_dns": {"*.wild.example.com", "wild.example.com"},
}


def expected_attributes(
    attrs: dict[str, Any], *, unique_id: bool, is_ca: bool = False
) -> CertificateRequestAttributes:
    """What CertificateRequestAttributes.from_csr must return for a CSR made from `attrs`."""
    kwargs = {k: v for k, v in attrs.items() if k != "is_ca"}
    return CertificateRequestAttributes(
        **kwargs, is_ca=is_ca, add_unique_id_to_subject_name=unique_id
    )


def describe(a: CertificateRequestAttributes) -> dict[str, Any]:
    """A comparable, readable view of the 13 attributes (for assertion messages)."""
    return {
        "common_name": a.common_name,
        "sans_dns": a.sans_dns,
        "sans_ip": a.sans_ip,
        "sans_oid": a.sans_oid,
        "email_address": a.email_address,
        "organization": a.organization,
        "organizational_unit": a.organizational_unit,
        "country_name": a.country_name,
        "state_or_province_name": a.state_or_province_name,
        "locality_name": a.locality_name,
        "is_ca": a.is_ca,
        "add_unique_id_to_subject_name": a.add_unique_id_to_subject_name,
        "additional_critical_extensions": a.additional_critical_extensions,
    }


def python_csr(attrs: dict[str, Any], private_key, *, unique_id: bool = True) -> CertificateSigningRequest:
    return expected_attributes(attrs, unique_id=unique_id).generate_csr(private_key)
