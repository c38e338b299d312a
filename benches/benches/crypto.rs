//! Crypto benchmarks: the ring and OpenSSL backends side by side, plus baselines.
//!
//! Groups (each benchmark id is the backend name):
//! * `keygen/rsa2048`, `keygen/rsa3072`, `keygen/rsa4096`, `keygen/p256`: key generation.
//!   `keygen/rsa2048` also has `openssl-raw-evp` and `openssl-raw-rsa`: the openssl crate called
//!   directly (EVP `PkeyCtx`, as the backend does, and the classic `Rsa::generate`). RSA key
//!   generation time is random (prime search), so these groups use flat sampling with one key
//!   per sample; read the **median** (the per-key median). The RSA groups also have `ring-1-thread`: the
//!   ring backend searching for primes on one thread (`ring::single_thread_backend`), against
//!   `ring`'s search on every core.
//! * `csr/all-attributes`: build and sign a CSR with every attribute, RSA-2048 key.
//! * `issue/ca-loaded`: parse + verify a CSR PEM and issue a leaf with a CA loaded once.
//! * `issue/with-ca-load`: the same, loading the CA key and certificate from PEM every time.
//! * `baseline/rsa2048-sign`: one raw RSA-2048 PKCS#1 v1.5 SHA-256 signature of a
//!   certificate-sized message through the backend's signer.
//!
//! Every operation is run once before measuring and its error, if any, ends the run; inside the
//! measurement loop results are only black-boxed.

use std::hint::black_box;
use std::time::Duration;

use anyhow::{Context, Result};
use criterion::{Criterion, SamplingMode};
use time::OffsetDateTime;
use tls_certificates_crypto::{
    CertificateRequestAttributes, CriticalExtension, CryptoBackend, IssueProfile, KeyAlgorithm,
    KeyType, Validity,
};

/// Both backends, in the order they appear in every group.
fn backends() -> [&'static dyn CryptoBackend; 2] {
    [
        tls_certificates_crypto::ring::backend(),
        tls_certificates_crypto::openssl::backend(),
    ]
}

/// Every attribute the Python library knows, as in the `csr.pem` fixture, plus an extra
/// critical extension.
fn all_attributes() -> Result<CertificateRequestAttributes> {
    Ok(CertificateRequestAttributes::builder()
        .common_name("peer-requirer-0.example.com")
        .sans_dns(["*.peer.example.com", "peer-requirer.example.com"])
        .sans_ip(["192.0.2.10", "2001:db8::10"])
        .san_oid("1.3.6.1.4.1.32473.1.2")
        .email_address("tls-peer@example.com")
        .organization("Peer Harness Org")
        .organizational_unit("Wire Compatibility")
        .country_name("GB")
        .state_or_province_name("England")
        .locality_name("London")
        // An extension value that is a DER NULL.
        .additional_critical_extension(CriticalExtension::new("1.3.6.1.4.1.32473.9", vec![5, 0])?)
        .build()?)
}

fn keygen(c: &mut Criterion) -> Result<()> {
    // (algorithm, samples, measurement time). RSA sizes: flat sampling with a measurement time
    // so short that every sample is one key (criterion warns that it cannot finish in time and
    // takes one iteration per sample), so the median is the per-key median, as Python's
    // `python_keygen.py` reports it (prime search makes single keys vary by a factor of several,
    // and a mean over several keys per sample sits well above the median).
    let plan = [
        (KeyAlgorithm::Rsa2048, 100, Duration::from_millis(100)),
        (KeyAlgorithm::Rsa3072, 30, Duration::from_millis(100)),
        (KeyAlgorithm::Rsa4096, 15, Duration::from_millis(100)),
        (KeyAlgorithm::EcdsaP256, 50, Duration::from_secs(3)),
    ];
    for (algorithm, samples, time) in plan {
        let mut group = c.benchmark_group(format!("keygen/{algorithm}"));
        group
            .sampling_mode(SamplingMode::Flat)
            .sample_size(samples)
            .measurement_time(time)
            .warm_up_time(Duration::from_secs(1));
        for backend in backends() {
            backend
                .generate_key(algorithm)
                .with_context(|| format!("{} cannot generate {algorithm}", backend.name()))?;
            group.bench_function(backend.name(), |b| {
                b.iter(|| black_box(backend.generate_key(black_box(algorithm))));
            });
        }
        if matches!(algorithm.key_type(), KeyType::Rsa { .. }) {
            // The ring backend searching for primes on the calling thread only (`rsa`'s own
            // generator): what `ring` above gains from the cores.
            let single = tls_certificates_crypto::ring::single_thread_backend();
            group.bench_function("ring-1-thread", |b| {
                b.iter(|| black_box(single.generate_key(black_box(algorithm))));
            });
        }
        if algorithm == KeyAlgorithm::Rsa2048 {
            // OpenSSL called directly, the EVP way (what the backend does, minus its PKCS#8
            // export and public key extraction) and the classic RSA way.
            group.bench_function("openssl-raw-evp", |b| {
                b.iter(|| black_box(raw_openssl_evp_rsa(black_box(2048))));
            });
            group.bench_function("openssl-raw-rsa", |b| {
                b.iter(|| {
                    black_box(
                        openssl::rsa::Rsa::generate(black_box(2048))
                            .and_then(openssl::pkey::PKey::from_rsa),
                    )
                });
            });
        }
        group.finish();
    }
    Ok(())
}

/// RSA key generation through OpenSSL's EVP API, with no wrapping.
fn raw_openssl_evp_rsa(
    bits: u32,
) -> Result<openssl::pkey::PKey<openssl::pkey::Private>, openssl::error::ErrorStack> {
    let mut ctx = openssl::pkey_ctx::PkeyCtx::new_id(openssl::pkey::Id::RSA)?;
    ctx.keygen_init()?;
    ctx.set_rsa_keygen_bits(bits)?;
    ctx.keygen()
}

fn csr(c: &mut Criterion) -> Result<()> {
    let attributes = all_attributes()?;
    let mut group = c.benchmark_group("csr");
    group.measurement_time(Duration::from_secs(5));
    for backend in backends() {
        let key = backend.generate_key(KeyAlgorithm::Rsa2048)?;
        backend
            .create_csr(&key, &attributes)
            .with_context(|| format!("{} cannot create a CSR", backend.name()))?;
        group.bench_function(format!("all-attributes/{}", backend.name()), |b| {
            b.iter(|| black_box(backend.create_csr(&key, black_box(&attributes))));
        });
    }
    group.finish();
    Ok(())
}

/// PEMs of an RSA-2048 CA (key + self-signed certificate) and of a CSR with every attribute.
struct Material {
    ca_key: String,
    ca_certificate: String,
    csr: String,
}

fn material(backend: &dyn CryptoBackend) -> Result<Material> {
    let ca_key = backend.generate_key(KeyAlgorithm::Rsa2048)?;
    let ca_attributes = CertificateRequestAttributes::builder()
        .common_name("bench root CA")
        .is_ca(true)
        .build()?;
    let validity = Validity::starting_at(OffsetDateTime::now_utc(), time::Duration::days(3650));
    let ca_certificate = backend.create_self_signed_ca(&ca_key, &ca_attributes, validity)?;
    let leaf_key = backend.generate_key(KeyAlgorithm::Rsa2048)?;
    let csr = backend.create_csr(&leaf_key, &all_attributes()?)?;
    Ok(Material {
        ca_key: backend
            .export_private_key(&ca_key)?
            .expose_secret()
            .to_owned(),
        ca_certificate: ca_certificate.pem().to_string(),
        csr: csr.pem().to_string(),
    })
}

/// The whole issuance path from PEM inputs, loading the CA too.
fn issue_with_ca_load(
    backend: &dyn CryptoBackend,
    material: &Material,
    profile: &IssueProfile,
) -> Result<String> {
    let ca_key = backend.load_private_key(&material.ca_key)?;
    let ca_certificate = backend.parse_certificate(&material.ca_certificate)?;
    let authority = backend.load_authority(&ca_key, ca_certificate)?;
    let csr = backend.parse_csr(&material.csr)?;
    Ok(authority.issue(&csr, profile)?.pem().to_string())
}

fn issue(c: &mut Criterion) -> Result<()> {
    let validity = Validity::starting_at(OffsetDateTime::now_utc(), time::Duration::days(365));
    let profile = IssueProfile::leaf(validity);
    let mut group = c.benchmark_group("issue");
    group.measurement_time(Duration::from_secs(5));
    for backend in backends() {
        let material = material(backend)
            .with_context(|| format!("{} cannot make the CA and CSR", backend.name()))?;
        let authority = backend.load_authority(
            &backend.load_private_key(&material.ca_key)?,
            backend.parse_certificate(&material.ca_certificate)?,
        )?;
        let from_pem = |pem: &str| -> Result<String> {
            let csr = backend.parse_csr(pem)?;
            Ok(authority.issue(&csr, &profile)?.pem().to_string())
        };
        from_pem(&material.csr).with_context(|| format!("{} cannot issue", backend.name()))?;
        group.bench_function(format!("ca-loaded/{}", backend.name()), |b| {
            b.iter(|| black_box(from_pem(black_box(&material.csr))));
        });
        issue_with_ca_load(backend, &material, &profile)?;
        group.bench_function(format!("with-ca-load/{}", backend.name()), |b| {
            b.iter(|| black_box(issue_with_ca_load(backend, black_box(&material), &profile)));
        });
    }
    group.finish();
    Ok(())
}

fn baseline(c: &mut Criterion) -> Result<()> {
    // About the size of a leaf certificate's TBSCertificate with every attribute.
    let message = vec![0x5a_u8; 1200];
    let mut group = c.benchmark_group("baseline");
    group.measurement_time(Duration::from_secs(5));
    for backend in backends() {
        let key = backend.generate_key(KeyAlgorithm::Rsa2048)?;
        let signer = backend.signer(&key)?;
        signer
            .sign(&message)
            .with_context(|| format!("{} cannot sign", backend.name()))?;
        group.bench_function(format!("rsa2048-sign/{}", backend.name()), |b| {
            b.iter(|| black_box(signer.sign(black_box(&message))));
        });
    }
    group.finish();
    Ok(())
}

fn main() -> Result<()> {
    let mut c = Criterion::default().configure_from_args();
    keygen(&mut c)?;
    csr(&mut c)?;
    issue(&mut c)?;
    baseline(&mut c)?;
    c.final_summary();
    Ok(())
}
