//! Property tests: for any content, decoding what we encode gives the content back, encoding is
//! stable, the encoded values are pure printable ASCII (Python's `ensure_ascii`), and the encoded
//! JSON means the same as the serde decoded form.

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use serde_json::Value;
use tls_certificates_schema::v1::{
    CertificateSigningRequest, ErrorCode, ProviderCapabilities, ProviderCertificate, ProviderData,
    ProviderError, RequestError, RequirerData,
};
use tls_certificates_schema::{Databag, DatabagUpdate, PemCertificate, PemCsr};

/// Strings rich in what JSON escaping must get right: quotes, backslashes, short escapes,
/// other control characters, DEL, `/`, non-ASCII in and beyond the BMP; plus arbitrary text.
fn tricky_string() -> impl Strategy<Value = String> {
    let special = prop_oneof![
        Just('"'),
        Just('\\'),
        Just('/'),
        Just('\n'),
        Just('\r'),
        Just('\t'),
        Just('\u{8}'),
        Just('\u{c}'),
        Just('\u{0}'),
        Just('\u{1f}'),
        Just('\u{7f}'),
        Just('\u{80}'),
        Just('é'),
        Just('\u{2028}'),
        Just('\u{feff}'),
        Just('\u{ffff}'),
        Just('😀'),
        Just('\u{10000}'),
        Just('\u{10ffff}'),
        any::<char>(),
        proptest::char::range(' ', '~'),
    ];
    prop_oneof![
        vec(special, 0..24).prop_map(|chars| chars.into_iter().collect()),
        any::<String>()
    ]
}

fn pem_body() -> impl Strategy<Value = String> {
    prop_oneof!["[A-Za-z0-9+/=\n]{0,200}", tricky_string()]
}

fn csr() -> impl Strategy<Value = PemCsr> {
    pem_body().prop_map(|body| {
        PemCsr::new(format!(
            "-----BEGIN CERTIFICATE REQUEST-----\n{body}\n-----END CERTIFICATE REQUEST-----"
        ))
        .unwrap()
    })
}

fn certificate() -> impl Strategy<Value = PemCertificate> {
    pem_body().prop_map(|body| {
        PemCertificate::new(format!(
            "-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----"
        ))
        .unwrap()
    })
}

fn request() -> impl Strategy<Value = CertificateSigningRequest> {
    (csr(), option::of(any::<bool>())).prop_map(|(certificate_signing_request, ca)| {
        CertificateSigningRequest {
            certificate_signing_request,
            ca,
        }
    })
}

fn requirer_data() -> impl Strategy<Value = RequirerData> {
    vec(request(), 0..4).prop_map(|certificate_signing_requests| RequirerData {
        certificate_signing_requests,
    })
}

fn provider_certificate() -> impl Strategy<Value = ProviderCertificate> {
    (
        certificate(),
        csr(),
        certificate(),
        option::of(vec(certificate(), 0..3)),
        option::of(any::<bool>()),
    )
        .prop_map(
            |(ca, certificate_signing_request, certificate, chain, revoked)| ProviderCertificate {
                ca,
                certificate_signing_request,
                certificate,
                chain,
                revoked,
            },
        )
}

fn error_code() -> impl Strategy<Value = ErrorCode> {
    prop_oneof![
        prop::sample::select(vec![101_i64, 102, 103, 201, 999]),
        any::<i64>()
    ]
    .prop_map(ErrorCode::from_code)
}

fn request_error() -> impl Strategy<Value = RequestError> {
    (
        csr(),
        error_code(),
        tricky_string(),
        tricky_string(),
        option::of(tricky_string()),
        option::of(tricky_string()),
        option::of(tricky_string()),
    )
        .prop_map(
            |(csr, code, name, message, reason, provider, endpoint)| RequestError {
                csr,
                error: ProviderError {
                    code,
                    name,
                    message,
                    reason,
                    provider,
                    endpoint,
                },
            },
        )
}

fn capabilities() -> impl Strategy<Value = ProviderCapabilities> {
    (
        option::of(any::<bool>()),
        option::of(any::<bool>()),
        option::of(any::<bool>()),
        option::of(any::<bool>()),
        option::of(vec(tricky_string(), 0..3)),
        option::of(tricky_string()),
    )
        .prop_map(|(ip, wildcard, subdomain, ca, domains, provider_type)| {
            let mut capabilities = ProviderCapabilities::default();
            capabilities.supports_ip_sans = ip;
            capabilities.supports_wildcard_dns = wildcard;
            capabilities.supports_subdomain = subdomain;
            capabilities.supports_ca_certificates = ca;
            capabilities.allowed_domains = domains;
            capabilities.provider_type = provider_type;
            capabilities
        })
}

fn provider_data() -> impl Strategy<Value = ProviderData> {
    (
        vec(provider_certificate(), 0..3),
        vec(request_error(), 0..3),
        option::of(capabilities()),
    )
        .prop_map(|(certificates, request_errors, capabilities)| {
            let mut data = ProviderData::with_certificates(certificates);
            data.request_errors = request_errors;
            data.capabilities = capabilities;
            data
        })
}

fn applied(update: &DatabagUpdate) -> Databag {
    let mut bag = Databag::new();
    update.apply_to(&mut bag);
    bag
}

/// Every written value is printable ASCII and parses to the same JSON as the serde decoded form.
fn assert_wire_form(update: &DatabagUpdate, decoded_form: &Value) {
    for (key, value) in update.iter() {
        match value {
            Some(text) => {
                assert!(
                    text.bytes().all(|b| (b' '..=b'~').contains(&b)),
                    "{key}: {text:?}"
                );
                let parsed: Value = serde_json::from_str(text).unwrap();
                assert_eq!(Some(&parsed), decoded_form.get(key), "{key}");
            }
            None => assert_eq!(decoded_form.get(key), None, "{key} deleted but present"),
        }
    }
}

proptest! {
    #[test]
    fn requirer_data_round_trips_byte_stably(data in requirer_data()) {
        let update = data.encode();
        let bag = applied(&update);
        let decoded = RequirerData::decode(&bag);
        prop_assert!(decoded.is_clean(), "{:?}", decoded.issues);
        prop_assert_eq!(&decoded.value, &data);
        prop_assert_eq!(&decoded.value.encode(), &update);
        assert_wire_form(&update, &serde_json::to_value(&data).unwrap());
        prop_assert_eq!(RequirerData::from_decoded(&serde_json::to_value(&data).unwrap()).value, data);
    }

    #[test]
    fn provider_data_round_trips_byte_stably(data in provider_data()) {
        let update = data.encode();
        let bag = applied(&update);
        let decoded = ProviderData::decode(&bag);
        prop_assert!(decoded.is_clean(), "{:?}", decoded.issues);
        prop_assert_eq!(&decoded.value, &data);
        prop_assert_eq!(&decoded.value.encode(), &update);
        assert_wire_form(&update, &serde_json::to_value(&data).unwrap());
        prop_assert_eq!(ProviderData::from_decoded(&serde_json::to_value(&data).unwrap()).value, data);
    }

    #[test]
    fn error_codes_keep_their_number(code in any::<i64>()) {
        prop_assert_eq!(ErrorCode::from_code(code).code(), code);
    }

    #[test]
    fn decoding_arbitrary_values_never_panics(value in tricky_string(), key in prop::sample::select(vec![
        "certificate_signing_requests", "certificates", "request_errors", "capabilities",
    ])) {
        let mut bag = Databag::new();
        bag.insert(key.to_owned(), value);
        let _ = RequirerData::decode(&bag);
        let _ = ProviderData::decode(&bag);
    }
}
