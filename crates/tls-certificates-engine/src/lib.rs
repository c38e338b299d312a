//! Sans-IO certificate lifecycle for the Juju tls-certificates interface
