//! `network-get` (`jujuc/network-get.go`): a unit's addresses, from the one the model assigned
//! it ([`Model::set_unit_address`](crate::Model::set_unit_address)).

use std::net::IpAddr;

use super::Session;
use super::argv::{
    FORMAT, OUTPUT, SMART, ToolResult, check_empty, chosen_format, fail, parse_args, usage,
};
use crate::format::{Format, Go};

impl Session<'_> {
    /// `network-get <binding> [--bind-address] [--ingress-address] [--egress-subnets]
    /// [--primary-address] [-r <id>]`, answered as Juju's IAAS `NetworkInfo` answers a unit
    /// with one interface: its address as bind and ingress address, `<address>/32` as egress
    /// subnet (the model sets no `egress-subnets`).
    pub(super) fn network_get(&mut self, a: &[String]) -> ToolResult {
        let args = parse_args(
            a,
            &[
                FORMAT,
                OUTPUT,
                ("primary-address", &[], false),
                ("bind-address", &[], false),
                ("ingress-address", &[], false),
                ("egress-subnets", &[], false),
                ("relation", &["r"], true),
            ],
        )?;
        // `Init`: the binding, then nothing else.
        let Some((binding, rest)) = args.positional.split_first() else {
            return Err(usage("no arguments specified"));
        };
        if binding.is_empty() {
            return Err(usage("no binding name specified"));
        }
        check_empty(rest)?;
        // The `-r` value is checked when the flag is parsed.
        if args.flag("relation").is_some() {
            self.relation_flag(&args)?;
        }
        // `Run`: an unknown binding comes back from the API with no info, which is checked
        // before the error it carries.
        let known = self
            .state
            .apps
            .get(&self.app)
            .is_some_and(|app| app.meta.has_binding(binding));
        let address = self
            .state
            .unit(&self.unit)
            .map(|u| u.address.clone())
            .unwrap_or_default();
        if !known || address.is_empty() {
            return Err(fail(format!(
                "no network config found for binding {binding:?}"
            )));
        }
        let egress = vec![egress_subnet(&address)];
        let keys: Vec<&'static str> = ["bind-address", "ingress-address", "egress-subnets"]
            .into_iter()
            .filter(|k| args.bool(k))
            .collect();
        if args.bool("primary-address") {
            if !keys.is_empty() {
                return Err(fail("--primary-address must be the only flag specified"));
            }
            return self.write(&args, SMART, &Go::Str(address));
        }
        if keys.is_empty() {
            let json = matches!(chosen_format(&args, SMART)?, Format::Json);
            return self.write(&args, SMART, &display(&address, egress, json));
        }
        let value_of = |key: &str| match key {
            "egress-subnets" => Go::Strings(egress.clone()),
            _ => Go::Str(address.clone()),
        };
        let value = match keys.as_slice() {
            [one] => value_of(one),
            many => Go::Map(
                many.iter()
                    .map(|k| ((*k).to_owned(), value_of(k)))
                    .collect(),
            ),
        };
        self.write(&args, SMART, &value)
    }
}

/// `networkInfoResultDisplay` of one interface (`eth0`) holding `address`. YAML carries the
/// copies Juju keeps for older agents (`macaddress`, `interfacename`, `address`); JSON does not
/// (`json:"-"`).
fn display(address: &str, egress: Vec<String>, json: bool) -> Go {
    let mac = mac_address(address);
    let mut addr = vec![
        ("hostname", Go::Str(String::new())),
        ("value", Go::Str(address.to_owned())),
        ("cidr", Go::Str(cidr(address))),
    ];
    if !json {
        addr.push(("address", Go::Str(address.to_owned())));
    }
    let mut interface = vec![
        ("mac-address", Go::Str(mac.clone())),
        ("interface-name", Go::Str("eth0".to_owned())),
        ("addresses", Go::List(vec![Go::Struct(addr)])),
    ];
    if !json {
        interface.push(("macaddress", Go::Str(mac)));
        interface.push(("interfacename", Go::Str("eth0".to_owned())));
    }
    Go::Struct(vec![
        ("bind-addresses", Go::List(vec![Go::Struct(interface)])),
        ("egress-subnets", Go::Strings(egress)),
        ("ingress-addresses", Go::Strings(vec![address.to_owned()])),
    ])
}

/// The subnet an address is in: its /24 (IPv4) or /64 (IPv6); empty for a host name.
fn cidr(address: &str) -> String {
    match address.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.0/24")
        }
        Ok(IpAddr::V6(v6)) => {
            let s = v6.segments();
            let net = std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
            format!("{net}/64")
        }
        Err(_) => String::new(),
    }
}

/// Traffic from the unit comes from its own address (`<address>/32`, `/128`), as Juju answers
/// when the model sets no `egress-subnets`.
pub(crate) fn egress_subnet(address: &str) -> String {
    match address.parse::<IpAddr>() {
        Ok(IpAddr::V6(_)) => format!("{address}/128"),
        _ => format!("{address}/32"),
    }
}

/// A MAC address made from the unit's address (LXD's `00:16:3e` prefix), so it is the same on
/// every run.
fn mac_address(address: &str) -> String {
    let bytes: [u8; 3] = match address.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => {
            let [_, b, c, d] = v4.octets();
            [b, c, d]
        }
        Ok(IpAddr::V6(v6)) => {
            let o = v6.octets();
            [o[13], o[14], o[15]]
        }
        Err(_) => address
            .bytes()
            .fold([0u8; 3], |[x, y, z], b| [y, z, x.wrapping_mul(31) ^ b]),
    };
    format!(
        "00:16:3e:{:02x}:{:02x}:{:02x}",
        bytes[0], bytes[1], bytes[2]
    )
}
