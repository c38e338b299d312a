//! Requirer and provider of the Juju tls-certificates interface: engine + hook tools + crypto backend
