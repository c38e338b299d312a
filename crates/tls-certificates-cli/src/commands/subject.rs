//! Command-line options shared by the commands that build a subject (`csr create`, `ca create`).

use anyhow::{Context, Result};
use clap::Args;
use tls_certificates_crypto::CertificateRequestAttributesBuilder;

/// Subject attributes other than the common name.
#[derive(Debug, Args)]
pub(super) struct NameArgs {
    /// Subject email address (emailAddress).
    #[arg(long, value_name = "ADDRESS")]
    email: Option<String>,
    /// Organization (O).
    #[arg(long)]
    organization: Option<String>,
    /// Organizational unit (OU).
    #[arg(long)]
    organizational_unit: Option<String>,
    /// Two-letter country code (C).
    #[arg(long)]
    country: Option<String>,
    /// State or province (ST).
    #[arg(long)]
    state: Option<String>,
    /// Locality (L).
    #[arg(long)]
    locality: Option<String>,
    /// Do not add a random x500UniqueIdentifier to the subject.
    #[arg(long)]
    no_unique_id: bool,
}

/// Subject alternative names.
#[derive(Debug, Args)]
pub(super) struct SanArgs {
    /// DNS subject alternative name (repeatable).
    #[arg(long = "san-dns", value_name = "NAME")]
    dns: Vec<String>,
    /// IP subject alternative name (repeatable).
    #[arg(long = "san-ip", value_name = "ADDRESS")]
    ip: Vec<String>,
    /// Registered-ID subject alternative name, a dotted OID (repeatable).
    #[arg(long = "san-oid", value_name = "OID")]
    oid: Vec<String>,
}

impl NameArgs {
    /// Adds these attributes to `builder`.
    pub(super) fn apply(
        &self,
        mut builder: CertificateRequestAttributesBuilder,
    ) -> CertificateRequestAttributesBuilder {
        if let Some(value) = &self.email {
            builder = builder.email_address(value.clone());
        }
        if let Some(value) = &self.organization {
            builder = builder.organization(value.clone());
        }
        if let Some(value) = &self.organizational_unit {
            builder = builder.organizational_unit(value.clone());
        }
        if let Some(value) = &self.country {
            builder = builder.country_name(value.clone());
        }
        if let Some(value) = &self.state {
            builder = builder.state_or_province_name(value.clone());
        }
        if let Some(value) = &self.locality {
            builder = builder.locality_name(value.clone());
        }
        builder.add_unique_id_to_subject_name(!self.no_unique_id)
    }
}

impl SanArgs {
    /// Adds these SANs to `builder`.
    pub(super) fn apply(
        &self,
        builder: CertificateRequestAttributesBuilder,
    ) -> CertificateRequestAttributesBuilder {
        builder
            .sans_dns(self.dns.iter().cloned())
            .sans_ip(self.ip.iter().cloned())
            .sans_oid(self.oid.iter().cloned())
    }
}

/// Builds (validates and canonicalises) the attributes, with a clear message on failure.
pub(super) fn build(
    builder: CertificateRequestAttributesBuilder,
) -> Result<tls_certificates_crypto::CertificateRequestAttributes> {
    builder.build().context("invalid subject")
}
