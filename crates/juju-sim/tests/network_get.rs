//! `network-get` in the simulator: the unit's address, assigned by the model and settable,
//! printed as Juju prints it (`jujuc/network-get.go` `resultToDisplay`; `network-get_test.go`
//! for the YAML copies and the error of an unknown binding), and read by the client.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use juju_hook_tools::{Error as ToolError, HookTools};
use juju_sim::{
    Charm, CharmMeta, CharmOutcome, Invocation, Model, ToolRequest, ToolResponse, ToolServer,
    idle_charm, in_process,
};

/// A charm that runs one raw `network-get` per hook and keeps the answers.
struct Raw {
    args: Vec<&'static str>,
    answers: Arc<Mutex<Vec<ToolResponse>>>,
}

impl Charm for Raw {
    fn run(
        &self,
        _invocation: &Invocation<'_>,
        tools: &mut dyn ToolServer,
    ) -> juju_sim::Result<CharmOutcome> {
        let answer = tools.call(&ToolRequest::new("network-get", &self.args));
        self.answers.lock().unwrap().push(answer);
        Ok(CharmOutcome {
            success: true,
            ..CharmOutcome::default()
        })
    }
}

fn meta() -> CharmMeta {
    CharmMeta::new("web")
        .requires("certificates", "tls-certificates")
        .extra_binding("public")
}

/// The answer to `network-get <args>` in the `install` hook of `web/<unit>` (of `units`).
fn answer(units: u32, unit: u32, args: &[&'static str], address: Option<&str>) -> ToolResponse {
    let answers = Arc::new(Mutex::new(Vec::new()));
    let charm: Arc<dyn Charm> = Arc::new(Raw {
        args: args.to_vec(),
        answers: answers.clone(),
    });
    let mut model = Model::new();
    model.deploy("web", meta(), charm, units).unwrap();
    let name = format!("web/{unit}");
    if let Some(address) = address {
        model.set_unit_address(&name, address).unwrap();
    }
    model.run_hook(&name, juju_sim::Hook::Install).unwrap();
    answers.lock().unwrap().pop().unwrap()
}

fn stdout(response: ToolResponse) -> String {
    assert_eq!(response.code, 0, "{}", response.stderr);
    assert_eq!(response.stderr, "");
    response.stdout
}

#[test]
fn given_units_in_deploy_order_when_network_get_then_each_has_its_own_deterministic_address() {
    let first = stdout(answer(2, 0, &["certificates", "--format=json"], None));
    let second = stdout(answer(2, 1, &["certificates", "--format=json"], None));
    assert_eq!(
        first,
        "{\"bind-addresses\":[{\"mac-address\":\"00:16:3e:00:02:01\",\"interface-name\":\"eth0\",\
         \"addresses\":[{\"hostname\":\"\",\"value\":\"192.0.2.1\",\"cidr\":\"192.0.2.0/24\"}]}],\
         \"egress-subnets\":[\"192.0.2.1/32\"],\"ingress-addresses\":[\"192.0.2.1\"]}\n"
    );
    assert!(
        second.contains("\"ingress-addresses\":[\"192.0.2.2\"]"),
        "{second}"
    );
    // Same model, same answer.
    assert_eq!(
        stdout(answer(2, 0, &["certificates", "--format=json"], None)),
        first
    );
}

#[test]
fn given_the_default_format_when_network_get_then_yaml_keeps_jujus_copies_for_older_agents() {
    let yaml = stdout(answer(1, 0, &["public"], Some("10.20.1.42")));
    assert_eq!(
        yaml,
        "bind-addresses:\n\
         - mac-address: 00:16:3e:14:01:2a\n  interface-name: eth0\n  addresses:\n\
         \x20 - hostname: \"\"\n    value: 10.20.1.42\n    cidr: 10.20.1.0/24\n    address: 10.20.1.42\n\
         \x20 macaddress: 00:16:3e:14:01:2a\n  interfacename: eth0\n\
         egress-subnets:\n- 10.20.1.42/32\n\
         ingress-addresses:\n- 10.20.1.42\n"
    );
}

#[test]
fn given_address_flags_when_network_get_then_one_value_or_a_map_of_them() {
    let address = Some("10.33.1.8");
    assert_eq!(
        stdout(answer(
            1,
            0,
            &["certificates", "--ingress-address"],
            address
        )),
        "10.33.1.8\n"
    );
    assert_eq!(
        stdout(answer(
            1,
            0,
            &[
                "juju-info",
                "--ingress-address",
                "--bind-address",
                "--egress-subnets"
            ],
            address
        )),
        "bind-address: 10.33.1.8\negress-subnets:\n- 10.33.1.8/32\ningress-address: 10.33.1.8\n"
    );
    assert_eq!(
        stdout(answer(1, 0, &["public", "--primary-address"], address)),
        "10.33.1.8\n"
    );
}

#[test]
fn given_an_unknown_binding_or_bad_arguments_when_network_get_then_jujus_errors() {
    let unknown = answer(1, 0, &["unknown", "--ingress-address"], None);
    assert_eq!(unknown.code, 1);
    assert_eq!(
        unknown.stderr,
        "ERROR no network config found for binding \"unknown\"\n"
    );
    let none = answer(1, 0, &[], None);
    assert_eq!(
        (none.code, none.stderr.as_str()),
        (2, "ERROR no arguments specified\n")
    );
    let empty = answer(1, 0, &[""], None);
    assert_eq!(
        (empty.code, empty.stderr.as_str()),
        (2, "ERROR no binding name specified\n")
    );
    let primary = answer(
        1,
        0,
        &["public", "--primary-address", "--bind-address"],
        None,
    );
    assert_eq!(
        (primary.code, primary.stderr.as_str()),
        (
            1,
            "ERROR --primary-address must be the only flag specified\n"
        )
    );
    let relation = answer(1, 0, &["certificates", "-r", "certificates:99"], None);
    assert_eq!(relation.code, 2);
    assert!(
        relation.stderr.contains("relation not found"),
        "{}",
        relation.stderr
    );
}

#[test]
fn given_a_changed_address_when_a_charm_reads_its_ingress_then_it_gets_the_new_one_and_the_relation_gets_it_too()
 {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let charm = in_process(move |ctx, tools: &dyn HookTools| {
        if matches!(ctx.event(), juju_hook_tools::Event::Install) {
            let network = tools.network_get("certificates", None)?;
            record
                .lock()
                .unwrap()
                .push(network.ingress_address().map(str::to_owned));
            // An unknown binding is Juju's failure, not a panic or an empty answer.
            match tools.network_get("nope", None) {
                Err(ToolError::Failed { code: 1, .. }) => {}
                other => panic!("unexpected: {other:?}"),
            }
        }
        Ok::<_, ToolError>(())
    });
    let mut model = Model::new();
    model.deploy("web", meta(), charm, 1).unwrap();
    model
        .deploy(
            "ca",
            CharmMeta::new("ca").provides("certificates", "tls-certificates"),
            idle_charm(),
            1,
        )
        .unwrap();
    model.set_unit_address("web/0", "2001:db8::7").unwrap();
    assert_eq!(model.unit_address("web/0"), Some("2001:db8::7"));
    let rel = model
        .relate("web", "certificates", "ca", "certificates")
        .unwrap();
    model.run_until_quiescent(100).unwrap();
    assert_eq!(*seen.lock().unwrap(), [Some("2001:db8::7".to_owned())]);
    let bag: BTreeMap<String, String> = model.unit_data(rel, "web/0").unwrap().clone();
    assert_eq!(bag["ingress-address"], "2001:db8::7");
    assert_eq!(bag["egress-subnets"], "2001:db8::7/128");
    assert!(model.set_unit_address("web/9", "10.0.0.1").is_err());
}
