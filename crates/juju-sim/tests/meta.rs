//! Reading charm metadata from `charmcraft.yaml` / `metadata.yaml`.

use std::path::Path;

use juju_sim::{CharmMeta, Role};
use serde_json::json;

fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

#[test]
fn given_the_workspace_charms_when_their_charmcraft_yaml_is_read_then_endpoints_config_and_actions_are_known()
 {
    let req = CharmMeta::from_charm_dir(&repo().join("charms/tls-certificates-requirer")).unwrap();
    assert_eq!(req.name, "tls-certificates-requirer");
    let (role, ep) = req.endpoint("certificates").unwrap();
    assert_eq!(
        (role, ep.interface.as_str(), ep.limit),
        (Role::Requires, "tls-certificates", Some(1))
    );
    assert_eq!(req.config_defaults().get("sans-dns"), Some(&json!("")));

    let prov = CharmMeta::from_charm_dir(&repo().join("charms/self-signed-certificates")).unwrap();
    assert_eq!(prov.endpoint("certificates").unwrap().0, Role::Provides);
    assert_eq!(
        prov.config_defaults().get("certificate-limit"),
        Some(&json!(99))
    );
    assert!(prov.actions.contains_key("get-ca-certificate"));
}

#[test]
fn given_a_packed_charm_layout_when_read_then_metadata_config_and_actions_yaml_combine() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/charm-layout");
    let from_charmcraft = CharmMeta::from_charm_dir(&src).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for f in ["metadata.yaml", "config.yaml", "actions.yaml"] {
        std::fs::copy(src.join(f), dir.path().join(f)).unwrap();
    }
    let from_packed = CharmMeta::from_charm_dir(dir.path()).unwrap();
    assert_eq!(from_packed.requires, from_charmcraft.requires);
    assert_eq!(
        from_packed.config_defaults(),
        from_charmcraft.config_defaults()
    );
    assert_eq!(
        from_packed.actions.keys().collect::<Vec<_>>(),
        ["get-password"]
    );
    assert_eq!(
        from_packed.config_defaults().get("greeting"),
        Some(&json!("hello"))
    );
}

#[test]
fn given_no_metadata_when_read_then_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        CharmMeta::from_charm_dir(dir.path()),
        Err(juju_sim::Error::InvalidMetadata(_))
    ));
}
