//! The `web-server` charm binary: Juju runs it (through `dispatch`) for every event.

fn main() -> std::process::ExitCode {
    tls_certificates::charm::main(web_server::run)
}
