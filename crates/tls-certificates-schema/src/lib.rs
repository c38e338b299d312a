//! Wire types of the Juju tls-certificates interface v1, byte-exact with the Python library
