//! Juju secret labels, exactly as the Python library writes them (python-library.md §3.4).

/// The Python library's `LIBID`: the prefix of every secret label.
pub const LIBID: &str = "afd8c2bccf834997afce12c2706d2ede";

/// Content key of private key secrets.
pub const PRIVATE_KEY_CONTENT_KEY: &str = "private-key";
/// Content key of the certificate in certificate secrets.
pub const CERTIFICATE_CONTENT_KEY: &str = "certificate";
/// Content key of the CSR in certificate secrets.
pub const CSR_CONTENT_KEY: &str = "csr";

/// `{LIBID}-private-key-{unit#}-{relation}`.
pub(crate) fn unit_private_key(unit_number: u32, endpoint: &str) -> String {
    format!("{LIBID}-private-key-{unit_number}-{endpoint}")
}

/// `{LIBID}-private-key-app-{relation}` (charmlibs >= 1.9).
pub(crate) fn app_private_key(endpoint: &str) -> String {
    format!("{LIBID}-private-key-app-{endpoint}")
}

/// Older labels of the unit key, newest first: tci v4 < 4.8 `{LIBID}-private-key-{unit#}`.
pub(crate) fn legacy_unit_private_keys(unit_number: u32) -> Vec<String> {
    vec![format!("{LIBID}-private-key-{unit_number}")]
}

/// Older labels of the app key, newest first: tci >= 4.8 / charmlibs < 1.9
/// `{LIBID}-private-key-{relation}`, tci < 4.8 `{LIBID}-private-key`.
pub(crate) fn legacy_app_private_keys(endpoint: &str) -> Vec<String> {
    vec![
        format!("{LIBID}-private-key-{endpoint}"),
        format!("{LIBID}-private-key"),
    ]
}

/// `{LIBID}-certificate-{unit#}-{relation}-{sha}` (unit) or `{LIBID}-certificate-{relation}-{sha}`
/// (app), charmlibs >= 1.8.1.
pub(crate) fn certificate(unit_number: Option<u32>, endpoint: &str, csr_sha256: &str) -> String {
    match unit_number {
        Some(n) => format!("{LIBID}-certificate-{n}-{endpoint}-{csr_sha256}"),
        None => format!("{LIBID}-certificate-{endpoint}-{csr_sha256}"),
    }
}

/// The tci v4 label without the relation name (read only).
pub(crate) fn legacy_certificate(unit_number: Option<u32>, csr_sha256: &str) -> String {
    match unit_number {
        Some(n) => format!("{LIBID}-certificate-{n}-{csr_sha256}"),
        None => format!("{LIBID}-certificate-{csr_sha256}"),
    }
}

/// Whether `label` names a certificate secret of this library (any version of v4).
pub fn is_certificate_label(label: &str) -> bool {
    label
        .strip_prefix(LIBID)
        .is_some_and(|rest| rest.starts_with("-certificate"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_unit_zero_on_certificates_when_labelled_then_python_labels_result() {
        assert_eq!(
            unit_private_key(0, "certificates"),
            "afd8c2bccf834997afce12c2706d2ede-private-key-0-certificates"
        );
        assert_eq!(
            app_private_key("certificates"),
            "afd8c2bccf834997afce12c2706d2ede-private-key-app-certificates"
        );
        assert_eq!(
            certificate(Some(3), "certificates", "ab"),
            "afd8c2bccf834997afce12c2706d2ede-certificate-3-certificates-ab"
        );
        assert_eq!(
            certificate(None, "certificates", "ab"),
            "afd8c2bccf834997afce12c2706d2ede-certificate-certificates-ab"
        );
        assert!(is_certificate_label(&legacy_certificate(None, "ab")));
        assert!(!is_certificate_label(&app_private_key("x")));
    }
}
