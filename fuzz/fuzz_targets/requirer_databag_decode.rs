//! Decodes arbitrary bytes as a requirer databag; whatever decodes must re-encode and decode to
//! the same content.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tls_certificates_schema::Databag;
use tls_certificates_schema::v1::RequirerData;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Either a whole databag (a JSON object of strings) or the value of the requests key.
    let databag: Databag = serde_json::from_str(text).unwrap_or_else(|_| {
        Databag::from([(RequirerData::KEY.to_owned(), text.to_owned())])
    });
    let decoded = RequirerData::decode(&databag);
    for issue in &decoded.issues {
        let _ = issue.to_string();
    }

    let mut rewritten = Databag::new();
    decoded.value.encode().apply_to(&mut rewritten);
    let again = RequirerData::decode(&rewritten);
    assert!(again.is_clean(), "re-encoded data has issues: {:?}", again.issues);
    assert_eq!(again.value, decoded.value);
});
