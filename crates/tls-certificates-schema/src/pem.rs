//! PEM text newtypes, checked for shape only.

use core::fmt;

use serde::Serialize;

use crate::Error;

const BEGIN: &str = "-----BEGIN ";

/// Trims whitespace like Python's `str.strip()` and checks for a `-----BEGIN ` line.
fn shaped(text: &str) -> Result<String, Error> {
    let trimmed = text.trim();
    if trimmed.contains(BEGIN) {
        Ok(trimmed.to_owned())
    } else {
        Err(Error::NotPem)
    }
}

/// [`shaped`] for an owned string, reusing it when there is nothing to trim (the usual case).
fn shaped_owned(text: String) -> Result<String, Error> {
    if text.trim().len() == text.len() {
        if text.contains(BEGIN) {
            Ok(text)
        } else {
            Err(Error::NotPem)
        }
    } else {
        shaped(&text)
    }
}

macro_rules! pem_newtype {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Eq, Hash, Ord, PartialEq, PartialOrd, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Takes PEM text, stripping leading and trailing whitespace (as the Python library
            /// does before writing it).
            ///
            /// Only the shape is checked: the text must contain a `-----BEGIN ` line. Whether
            /// it is a valid, well-signed object is checked one layer up, by the crypto crate.
            ///
            /// # Errors
            /// [`Error::NotPem`] when there is no `-----BEGIN ` line.
            pub fn new(text: impl AsRef<str>) -> Result<Self, Error> {
                shaped(text.as_ref()).map(Self)
            }

            /// [`Self::new`] for an owned string, without copying it when there is no
            /// surrounding whitespace to strip.
            pub(crate) fn from_string(text: String) -> Result<Self, Error> {
                shaped_owned(text).map(Self)
            }

            /// The PEM text, without surrounding whitespace.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The PEM text as an owned string.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl core::str::FromStr for $name {
            type Err = Error;

            fn from_str(text: &str) -> Result<Self, Error> {
                Self::new(text)
            }
        }
    };
}

pem_newtype!(
    /// The PEM text of a certificate signing request, as it travels in relation data.
    ///
    /// It is the join key between a requirer's request and the provider's answer, so it is kept
    /// exactly as received (apart from surrounding whitespace).
    PemCsr
);

pem_newtype!(
    /// The PEM text of one certificate, as it travels in relation data.
    PemCertificate
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_pem_with_trailing_newline_when_wrapped_then_it_is_stripped_like_python() {
        let csr = PemCsr::new(
            "\n-----BEGIN CERTIFICATE REQUEST-----\nAA==\n-----END CERTIFICATE REQUEST-----\n",
        )
        .unwrap();
        assert_eq!(
            csr.as_str(),
            "-----BEGIN CERTIFICATE REQUEST-----\nAA==\n-----END CERTIFICATE REQUEST-----"
        );
    }

    #[test]
    fn given_owned_text_when_wrapped_then_same_as_borrowed() {
        for text in [
            "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----",
            " \t-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\r\n",
            "\u{3000}-----BEGIN X-----\u{3000}",
            "-----BEGIN ",
            "  -----BEGIN   ",
            "MIIB",
            "",
        ] {
            assert_eq!(
                PemCertificate::from_string(text.to_owned()).ok(),
                PemCertificate::new(text).ok(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn given_text_without_begin_line_when_wrapped_then_not_pem() {
        assert!(matches!(PemCertificate::new("MIIB..."), Err(Error::NotPem)));
        assert!(matches!(PemCertificate::new(""), Err(Error::NotPem)));
    }
}
