//! `network-get` against what Juju prints, byte for byte, taken from Juju's source (not from
//! juju-sim), and through the per-hook cache.
//!
//! Sources (juju/juju, Juju 3.6 paths):
//!
//! * `internal/worker/uniter/runner/jujuc/network-get.go` (read at 2ba9927e): `Run` writes
//!   `resultToDisplay(ni)`, a `networkInfoResultDisplay` whose JSON fields are, in order,
//!   `bind-addresses` (`mac-address`, `interface-name`, `addresses`: `hostname`, `value`,
//!   `cidr`; the YAML-only copies `macaddress`, `interfacename`, `address` are `json:"-"`),
//!   `egress-subnets` and `ingress-addresses`, the three `omitempty`. A binding with no network
//!   info, or one the charm does not define (the API answers an error with no info, which is
//!   checked first), fails with `no network config found for binding %q`.
//! * `internal/worker/uniter/runner/jujuc/network-get_test.go` (read at 25ca4bad): the
//!   `known-extra` and `ingress-egress` bindings used below, and the `unknown` binding's error
//!   (exit 1).
//! * juju/cmd `output.go` `FormatJson`: `json.Marshal(value)` then `'\n'`; struct fields keep
//!   their declaration order.

use std::cell::RefCell;

use juju_hook_tools::{
    CachedHookTools, CommandOutput, CommandRunner, Context, Error, HookTools, Network,
    ProcessHookTools, RelationId,
};

/// Answers `network-get` with fixed output and exit code, and records every argv.
#[derive(Debug)]
struct Juju {
    code: i32,
    stdout: &'static str,
    stderr: &'static str,
    runs: RefCell<Vec<Vec<String>>>,
}

impl Juju {
    fn printing(stdout: &'static str) -> Self {
        Self {
            code: 0,
            stdout,
            stderr: "",
            runs: RefCell::default(),
        }
    }

    fn failing(code: i32, stderr: &'static str) -> Self {
        Self {
            code,
            stdout: "",
            stderr,
            runs: RefCell::default(),
        }
    }
}

impl CommandRunner for Juju {
    fn run(
        &self,
        tool: &str,
        args: &[String],
        _stdin: Option<&[u8]>,
    ) -> Result<CommandOutput, Error> {
        assert_eq!(tool, "network-get");
        self.runs.borrow_mut().push(args.to_vec());
        Ok(CommandOutput {
            code: Some(self.code),
            stdout: self.stdout.as_bytes().to_vec(),
            stderr: self.stderr.as_bytes().to_vec(),
        })
    }
}

/// `known-extra` of `network-get_test.go`, as `--format=json` prints it: two addresses on one
/// interface, no ingress or egress (omitted).
const KNOWN_EXTRA: &str = "{\"bind-addresses\":[{\"mac-address\":\"00:11:22:33:44:22\",\
\"interface-name\":\"eth2\",\"addresses\":[{\"hostname\":\"\",\"value\":\"10.20.1.42\",\
\"cidr\":\"10.20.1.42/24\"},{\"hostname\":\"\",\"value\":\"fc00::1\",\"cidr\":\"fc00::/64\"}]}]}\n";

/// `ingress-egress` of `network-get_test.go`.
const INGRESS_EGRESS: &str = "{\"bind-addresses\":[{\"mac-address\":\"00:11:22:33:44:33\",\
\"interface-name\":\"eth3\",\"addresses\":[{\"hostname\":\"\",\"value\":\"10.33.1.8\",\
\"cidr\":\"10.33.1.8/24\"}]}],\"egress-subnets\":[\"192.168.1.0/8\",\"10.0.0.0/8\"],\
\"ingress-addresses\":[\"100.1.2.3\",\"100.4.3.2\"]}\n";

#[test]
fn given_a_binding_without_ingress_when_read_then_the_ingress_address_is_the_bind_address() {
    let tools = ProcessHookTools::with_runner(Juju::printing(KNOWN_EXTRA));
    let network = tools.network_get("known-extra", None).unwrap();
    assert_eq!(
        tools.runner().runs.borrow().as_slice(),
        [vec!["known-extra".to_owned(), "--format=json".to_owned()]]
    );
    assert_eq!(network.bind_addresses.len(), 1);
    let interface = &network.bind_addresses[0];
    assert_eq!(interface.mac_address, "00:11:22:33:44:22");
    assert_eq!(interface.interface_name, "eth2");
    let values: Vec<(&str, &str)> = interface
        .addresses
        .iter()
        .map(|a| (a.value.as_str(), a.cidr.as_str()))
        .collect();
    assert_eq!(
        values,
        [("10.20.1.42", "10.20.1.42/24"), ("fc00::1", "fc00::/64")]
    );
    assert!(network.ingress_addresses.is_empty());
    assert!(network.egress_subnets.is_empty());
    // What `network-get known-extra --bind-address` / `--ingress-address` print: 10.20.1.42.
    assert_eq!(network.bind_address(), Some("10.20.1.42"));
    assert_eq!(network.ingress_address(), Some("10.20.1.42"));
}

#[test]
fn given_ingress_and_egress_when_read_for_a_relation_then_the_first_ingress_address_is_preferred() {
    let tools = ProcessHookTools::with_runner(Juju::printing(INGRESS_EGRESS));
    let relation = RelationId::new("certificates", 7).unwrap();
    let network = tools.network_get("certificates", Some(&relation)).unwrap();
    assert_eq!(
        tools.runner().runs.borrow().as_slice(),
        [["certificates", "--format=json", "-r", "certificates:7"].map(str::to_owned)]
    );
    assert_eq!(network.ingress_addresses, ["100.1.2.3", "100.4.3.2"]);
    assert_eq!(network.egress_subnets, ["192.168.1.0/8", "10.0.0.0/8"]);
    // `network-get ingress-egress --ingress-address --bind-address` prints these two.
    assert_eq!(network.ingress_address(), Some("100.1.2.3"));
    assert_eq!(network.bind_address(), Some("10.33.1.8"));
}

#[test]
fn given_an_unknown_binding_when_read_then_juju_s_error_is_a_failure_naming_it() {
    let tools = ProcessHookTools::with_runner(Juju::failing(
        1,
        "ERROR no network config found for binding \"unknown\"\n",
    ));
    match tools.network_get("unknown", None) {
        Err(Error::Failed { tool, code, stderr }) => {
            assert_eq!(tool, "network-get");
            assert_eq!(code, 1);
            assert_eq!(
                stderr,
                "ERROR no network config found for binding \"unknown\""
            );
        }
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[test]
fn given_a_relation_that_is_gone_when_read_for_it_then_the_relation_is_gone() {
    // What Juju's `-r` flag says of a relation id it does not know (`NewRelationIdValue`).
    let tools = ProcessHookTools::with_runner(Juju::failing(
        2,
        "ERROR invalid value \"certificates:7\" for option -r: relation not found\n",
    ));
    let relation = RelationId::new("certificates", 7).unwrap();
    let error = tools
        .network_get("certificates", Some(&relation))
        .unwrap_err();
    assert!(matches!(error, Error::RelationGone { .. }), "{error:?}");
}

#[test]
fn given_the_cache_when_a_binding_is_read_twice_then_network_get_runs_once_per_relation() {
    let process = ProcessHookTools::with_runner(Juju::printing(INGRESS_EGRESS));
    let ctx = Context::from_map(&std::collections::BTreeMap::from(
        [
            ("JUJU_DISPATCH_PATH", "hooks/install"),
            ("JUJU_HOOK_NAME", "install"),
            ("JUJU_UNIT_NAME", "web/0"),
            ("JUJU_MODEL_NAME", "m"),
            ("JUJU_MODEL_UUID", "00000000-0000-4000-8000-000000000000"),
            ("JUJU_VERSION", "3.6.14"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned())),
    ))
    .unwrap();
    let tools = CachedHookTools::new(&process, &ctx);
    let relation = RelationId::new("certificates", 7).unwrap();
    let first: Network = tools.network_get("certificates", None).unwrap();
    assert_eq!(tools.network_get("certificates", None).unwrap(), first);
    tools.network_get("certificates", Some(&relation)).unwrap();
    tools.network_get("certificates", Some(&relation)).unwrap();
    assert_eq!(process.runner().runs.borrow().len(), 2);
}
