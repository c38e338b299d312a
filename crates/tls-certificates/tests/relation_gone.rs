//! A relation that is gone does not fail the hook: after `juju remove-saas --force`, Juju 3.6
//! still lists a cross-model relation but answers `permission denied` to reads of its remote
//! databags and to writes (`ops` reads that as `RelationNotFoundError`). The adapters leave such
//! a relation out, and serve the others.
//!
//! The hook tools here answer as Juju would, through `ProcessHookTools` (so the classification
//! under test is the real one), from a script keyed by tool and arguments.

use std::cell::RefCell;
use std::collections::BTreeMap;

use juju_hook_tools::{CommandOutput, CommandRunner, Context, Error, ProcessHookTools};
use time::{Duration, OffsetDateTime};
use tls_certificates::Hook;
use tls_certificates::crypto::{
    CertificateRequestAttributes, CryptoBackend, IssueProfile, KeyAlgorithm, Validity,
};
use tls_certificates::provider::{Provider, ProviderConfig};

fn backend() -> &'static dyn CryptoBackend {
    tls_certificates::crypto::ring::backend()
}

/// Answers `tool args...` from a script, and records every run.
#[derive(Debug, Default)]
struct Script {
    answers: BTreeMap<String, (i32, String, String)>,
    runs: RefCell<Vec<String>>,
}

impl Script {
    fn prints(mut self, call: &str, stdout: &str) -> Self {
        self.answers
            .insert(call.to_owned(), (0, stdout.to_owned(), String::new()));
        self
    }

    fn fails(mut self, call: &str, stderr: &str) -> Self {
        self.answers
            .insert(call.to_owned(), (1, String::new(), stderr.to_owned()));
        self
    }
}

impl CommandRunner for Script {
    fn run(
        &self,
        tool: &str,
        args: &[String],
        _stdin: Option<&[u8]>,
    ) -> Result<CommandOutput, Error> {
        let call = format!("{tool} {}", args.join(" "));
        self.runs.borrow_mut().push(call.clone());
        let (code, stdout, stderr) = self
            .answers
            .get(&call)
            .cloned()
            .unwrap_or_else(|| (0, String::new(), String::new()));
        Ok(CommandOutput {
            code: Some(code),
            stdout: stdout.into_bytes(),
            stderr: stderr.into_bytes(),
        })
    }
}

fn context() -> Context {
    let vars: BTreeMap<String, String> = [
        ("JUJU_DISPATCH_PATH", "hooks/update-status"),
        ("JUJU_UNIT_NAME", "ca/0"),
        ("JUJU_MODEL_NAME", "dev"),
        ("JUJU_MODEL_UUID", "0b7f1c2e-2d2f-4c8a-9a57-6c3e4f1d2a10"),
        ("JUJU_VERSION", "3.6.14"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    Context::from_map(&vars).unwrap()
}

/// Our app databag as a provider leaves it after issuing one certificate.
fn issued_databag(now: OffsetDateTime) -> String {
    let b = backend();
    let attributes = |cn: &str| {
        CertificateRequestAttributes::builder()
            .common_name(cn)
            .build()
            .unwrap()
    };
    let ca_key = b.generate_key(KeyAlgorithm::EcdsaP256).unwrap();
    let validity = Validity::starting_at(now, Duration::days(30));
    let ca = b
        .create_self_signed_ca(&ca_key, &attributes("ca"), validity)
        .unwrap();
    let key = b.generate_key(KeyAlgorithm::EcdsaP256).unwrap();
    let csr = b.create_csr(&key, &attributes("web.example.com")).unwrap();
    let certificate = b
        .load_authority(&ca_key, ca.clone())
        .unwrap()
        .issue(&csr, &IssueProfile::leaf(validity))
        .unwrap();
    let entry = serde_json::json!([{
        "ca": ca.pem().as_str(),
        "certificate_signing_request": csr.pem().as_str(),
        "certificate": certificate.pem().as_str(),
        "chain": [certificate.pem().as_str(), ca.pem().as_str()],
    }]);
    serde_json::json!({ "certificates": entry.to_string() }).to_string()
}

#[test]
fn a_provider_whose_cross_model_relation_is_gone_serves_the_others_without_failing() {
    let now = OffsetDateTime::now_utc();
    let denied = "ERROR permission denied\n";
    let script = Script::default()
        .prints("is-leader --format=json", "true\n")
        .prints(
            "relation-ids certificates --format=json",
            "[\"certificates:7\",\"certificates:8\"]\n",
        )
        // Relation 7: the offer was removed with `remove-saas --force`.
        .prints(
            "relation-list --format=json -r certificates:7",
            "[\"remote-0a1b2c3d4e5f46078899aabbccddeeff/0\"]\n",
        )
        .fails(
            "relation-get --format=json -r certificates:7 - remote-0a1b2c3d4e5f46078899aabbccddeeff/0",
            denied,
        )
        .prints(
            "relation-list --format=json --app -r certificates:7",
            "\"remote-0a1b2c3d4e5f46078899aabbccddeeff\"\n",
        )
        .fails(
            "relation-get --format=json -r certificates:7 --app - remote-0a1b2c3d4e5f46078899aabbccddeeff",
            denied,
        )
        .prints(
            "relation-get --format=json -r certificates:7 --app - ca",
            &format!("{}\n", issued_databag(now)),
        )
        .fails("relation-set -r certificates:7 --app --file -", denied)
        // Relation 8: a live requirer with nothing to ask yet.
        .prints("relation-list --format=json -r certificates:8", "[\"web/0\"]\n")
        .prints(
            "relation-get --format=json -r certificates:8 - web/0",
            "{\"private-address\":\"10.0.0.8\"}\n",
        )
        .prints("relation-list --format=json --app -r certificates:8", "\"web\"\n")
        .prints("relation-get --format=json -r certificates:8 --app - web", "{}\n")
        .prints("relation-get --format=json -r certificates:8 --app - ca", "{}\n");
    let ctx = context();
    let tools = ProcessHookTools::with_runner(script).for_unit(ctx.unit());

    let hook = Hook::new(&ctx, &tools, backend(), OffsetDateTime::UNIX_EPOCH);
    let provider = Provider::new(ProviderConfig::new("certificates").unwrap(), &hook).unwrap();
    // With the requests of relation 7 unreadable, its certificate has no CSR any more: the
    // provider would remove it, and the write finds the relation gone. Not a failed hook.
    provider.commit().unwrap();

    let runs = tools.runner().runs.borrow();
    assert!(
        runs.iter()
            .any(|r| r == "relation-set -r certificates:7 --app --file -"),
        "{runs:#?}"
    );
    let warned = runs.iter().any(|r| {
        r.starts_with(
            "juju-log --log-level WARNING -- not writing to relation certificates:7: it is gone",
        )
    });
    assert!(warned, "{runs:#?}");
}
