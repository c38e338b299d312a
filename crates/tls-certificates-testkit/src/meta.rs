//! The charms' `charmcraft.yaml` and `dispatch`, embedded, and read into
//! [`juju_sim::CharmMeta`] with juju-sim's `charmcraft.yaml` reader.

use juju_sim::CharmMeta;

use crate::KitError;

/// The requirer charm's `charmcraft.yaml`.
pub const REQUIRER_YAML: &str =
    include_str!("../../../charms/tls-certificates-requirer/charmcraft.yaml");
/// The provider charm's `charmcraft.yaml`.
pub const PROVIDER_YAML: &str =
    include_str!("../../../charms/self-signed-certificates/charmcraft.yaml");
/// The requirer charm's `dispatch`.
pub const REQUIRER_DISPATCH: &str =
    include_str!("../../../charms/tls-certificates-requirer/dispatch");
/// The provider charm's `dispatch`.
pub const PROVIDER_DISPATCH: &str =
    include_str!("../../../charms/self-signed-certificates/dispatch");

/// The requirer charm's metadata.
///
/// # Errors
/// [`KitError::Metadata`] if the embedded YAML does not have the expected shape.
pub fn requirer_meta() -> Result<CharmMeta, KitError> {
    charm_meta(REQUIRER_YAML)
}

/// The provider charm's metadata.
///
/// # Errors
/// [`KitError::Metadata`] if the embedded YAML does not have the expected shape.
pub fn provider_meta() -> Result<CharmMeta, KitError> {
    charm_meta(PROVIDER_YAML)
}

/// Reads a `charmcraft.yaml` into [`CharmMeta`].
///
/// # Errors
/// [`KitError::Metadata`] if the text does not have the expected shape.
pub fn charm_meta(yaml: &str) -> Result<CharmMeta, KitError> {
    CharmMeta::from_charmcraft_yaml(yaml).map_err(|e| KitError::Metadata(e.to_string()))
}

#[cfg(test)]
mod tests {
    use juju_sim::Role;

    use super::*;

    #[test]
    fn requirer_yaml_gives_endpoint_config_defaults_and_actions() {
        let meta = requirer_meta().unwrap();
        assert_eq!(meta.name, "tls-certificates-requirer");
        let (role, endpoint) = meta.endpoint("certificates").unwrap();
        assert_eq!(role, Role::Requires);
        assert_eq!(endpoint.interface, "tls-certificates");
        assert_eq!(endpoint.limit, Some(1));
        let defaults = meta.config_defaults();
        assert_eq!(defaults["mode"], "unit");
        assert_eq!(defaults["key-algorithm"], "rsa2048");
        assert_eq!(defaults["is-ca"], false);
        for action in [
            "get-certificate",
            "get-private-key-secret-id",
            "regenerate-private-key",
            "renew-certificates",
            "get-request-errors",
        ] {
            assert!(meta.actions.contains_key(action), "{action}");
        }
    }

    #[test]
    fn provider_yaml_gives_defaults_of_the_upstream_operator() {
        let meta = provider_meta().unwrap();
        assert_eq!(meta.endpoint("certificates").unwrap().0, Role::Provides);
        let defaults = meta.config_defaults();
        assert_eq!(
            defaults["ca-common-name"],
            "self-signed-certificates-operator"
        );
        assert_eq!(defaults["root-ca-validity"], "365d");
        assert_eq!(defaults["certificate-validity"], "90d");
        assert_eq!(defaults["certificate-limit"], 99);
        assert!(meta.actions.contains_key("rotate-private-key"));
    }
}
