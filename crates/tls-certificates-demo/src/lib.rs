//! The tls-certificates demo (work in progress: the simulation harness and demo land next).
