"""pkilint's RFC 5280 certificate validators, as `lint_pkix_cert lint -s WARNING` runs them."""

from __future__ import annotations

from pkilint import loader, report
from pkilint.pkix import certificate, extension, name
from pkilint.validation import ValidationFindingSeverity

_VALIDATOR = certificate.create_pkix_certificate_validator_container(
    certificate.create_decoding_validators(
        name.ATTRIBUTE_TYPE_MAPPINGS, extension.EXTENSION_MAPPINGS
    ),
    [
        certificate.create_issuer_validator_container([]),
        certificate.create_validity_validator_container(),
        certificate.create_subject_validator_container([]),
        certificate.create_extensions_validator_container([]),
        certificate.create_spki_validator_container([]),
    ],
)

THRESHOLD = ValidationFindingSeverity.WARNING


def findings(pem: str, threshold: ValidationFindingSeverity = THRESHOLD) -> list[str]:
    """Every finding at `threshold` or more severe, as 'code (SEVERITY) at path: message'."""
    doc = loader.RFC5280CertificateDocumentLoader().load_pem_document(pem, "certificate")
    results = _VALIDATOR.validate(doc.root)
    out = []
    for result in results:
        for desc in result.finding_descriptions:
            if desc.finding.severity <= threshold:
                out.append(
                    f"{desc.finding.code} ({desc.finding.severity.name}) at "
                    f"{result.node.path}: {desc.message}"
                )
    assert report.get_findings_count(results, threshold) == len(out)
    return out


def chain_findings(issuer_path, subject_path, threshold: str = "WARNING") -> tuple[int, str]:
    """pkilint's issuer/subject pair linter (`lint_pkix_signer_signee_cert_chain lint -s
    WARNING ISSUER SUBJECT`): issuer name = subject's issuer (binary), AKI = issuer SKI, policy
    chaining, signature verification. Returns (number of findings, report text)."""
    import contextlib
    import io

    from pkilint.bin import lint_pkix_signer_signee_cert_chain as chain_linter

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        count = chain_linter.main(["lint", "-s", threshold, str(issuer_path), str(subject_path)])
    return count, out.getvalue()
