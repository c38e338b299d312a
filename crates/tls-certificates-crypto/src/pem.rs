//! PEM newtypes. All hold canonical PEM text: base64 in 64-column lines, `\n` line ends and no
//! trailing newline (the form the Python library puts on the wire).

use core::fmt;

use zeroize::Zeroizing;

/// A PEM certificate signing request (`-----BEGIN CERTIFICATE REQUEST-----`).
#[derive(Clone, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub struct CsrPem(pub(crate) String);

/// A PEM certificate (`-----BEGIN CERTIFICATE-----`).
#[derive(Clone, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub struct CertificatePem(pub(crate) String);

/// A PEM private key: PKCS#1 (`BEGIN RSA PRIVATE KEY`) for RSA, SEC1 (`BEGIN EC PRIVATE KEY`) for
/// ECDSA, PKCS#8 (`BEGIN PRIVATE KEY`) for Ed25519. Zeroized on drop; `Debug` is redacted.
#[derive(Clone, Eq, PartialEq)]
pub struct PrivateKeyPem(pub(crate) Zeroizing<String>);

impl CsrPem {
    /// The PEM text (no trailing newline).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl CertificatePem {
    /// The PEM text (no trailing newline).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl PrivateKeyPem {
    /// The PEM text (no trailing newline). Handle with care: this is secret.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CsrPem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for CertificatePem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for PrivateKeyPem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PrivateKeyPem([redacted])")
    }
}
