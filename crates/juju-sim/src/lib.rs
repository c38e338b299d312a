//! A deterministic in-memory Juju model that runs charms in-process or as real processes
