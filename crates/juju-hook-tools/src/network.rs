//! [`Network`]: what `network-get` tells a unit about one of its bindings.

use serde::{Deserialize, Deserializer};

/// The network of one binding (an endpoint or an `extra-bindings` name), as
/// `network-get <binding> --format=json` prints it.
///
/// Juju prints the fields of `networkInfoResultDisplay`
/// (`internal/worker/uniter/runner/jujuc/network-get.go`): `bind-addresses` (one entry per
/// network interface in the binding's space), `egress-subnets` and `ingress-addresses`, the
/// last two omitted when empty. For a relation binding, `network-get -r <ep:id>` gives the
/// addresses as the related application sees them (e.g. a cross-model relation's public
/// address).
///
/// Addresses are kept as Juju prints them (strings): an ingress address may be a host name on
/// some clouds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub struct Network {
    /// The interfaces the unit has in the binding's space, with their addresses
    /// (`bind-addresses`).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub bind_addresses: Vec<BindAddress>,
    /// The addresses other units should connect to (`ingress-addresses`), preferred first.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub ingress_addresses: Vec<String>,
    /// The subnets (CIDR) traffic from this unit comes from (`egress-subnets`).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub egress_subnets: Vec<String>,
}

/// One network interface of a binding (an entry of `bind-addresses`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub struct BindAddress {
    /// The interface's MAC address (`mac-address`; empty on Kubernetes).
    #[serde(default)]
    pub mac_address: String,
    /// The interface's name (`interface-name`, e.g. `eth0`).
    #[serde(default)]
    pub interface_name: String,
    /// The interface's addresses in the binding's space.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub addresses: Vec<InterfaceAddress>,
}

/// One address of an interface.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct InterfaceAddress {
    /// The address (`value`).
    #[serde(default)]
    pub value: String,
    /// The subnet it is in, in CIDR notation (`cidr`; may be empty).
    #[serde(default)]
    pub cidr: String,
    /// A host name for it, if Juju knows one (`hostname`; usually empty).
    #[serde(default)]
    pub hostname: String,
}

impl Network {
    /// The address the unit should listen on, as `network-get --bind-address` prints it: the
    /// first address of the first interface.
    #[must_use]
    pub fn bind_address(&self) -> Option<&str> {
        self.bind_addresses
            .first()
            .and_then(|b| b.addresses.first())
            .map(|a| a.value.as_str())
            .filter(|a| !a.is_empty())
    }

    /// The address other units should connect to, as `network-get --ingress-address` prints
    /// it: the first ingress address, or the bind address when Juju gives none. This is the
    /// address to put in a certificate's subject alternative names.
    #[must_use]
    pub fn ingress_address(&self) -> Option<&str> {
        self.ingress_addresses
            .first()
            .map(String::as_str)
            .filter(|a| !a.is_empty())
            .or_else(|| self.bind_address())
    }
}

/// Reads a Go `nil` slice (`null`) as empty.
fn null_as_empty<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_no_ingress_addresses_when_asked_for_ingress_then_the_bind_address_answers() {
        let network: Network = serde_json::from_str(
            r#"{"bind-addresses":[{"mac-address":"","interface-name":"eth0","addresses":[{"hostname":"","value":"10.1.0.5","cidr":"10.1.0.0/24"}]}]}"#,
        )
        .unwrap();
        assert_eq!(network.bind_address(), Some("10.1.0.5"));
        assert_eq!(network.ingress_address(), Some("10.1.0.5"));
        assert!(network.egress_subnets.is_empty());
    }

    #[test]
    fn given_null_lists_when_read_then_they_are_empty() {
        let network: Network = serde_json::from_str(
            r#"{"bind-addresses":[{"addresses":null}],"ingress-addresses":null}"#,
        )
        .unwrap();
        assert_eq!(network.bind_addresses.len(), 1);
        assert_eq!(network.bind_address(), None);
        assert_eq!(network.ingress_address(), None);
    }
}
