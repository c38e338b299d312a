//! The `self-signed-certificates` charm binary: Juju runs it (through `dispatch`) for every
//! event. All logic lives in the library so it can be tested in-process; the runtime (crypto
//! backend selection, clock, logging, exit codes) is [`tls_certificates::charm::main`].

fn main() -> std::process::ExitCode {
    tls_certificates::charm::main(self_signed_certificates::run)
}
