//! Both charm binaries started as Juju starts `meter-status-changed` on a machine unit: with
//! the restricted environment of `internal/worker/meterstatus/context.go:44-67` (no model name,
//! UUID or `JUJU_VERSION`, and the unit's *tag* in `JUJU_UNIT_NAME`, `meterstatus/runner.go:71`)
//! and `JUJU_DISPATCH_PATH` from the uniter's runner. They exit 0 without calling a hook tool:
//! none is reachable here (in Juju's restricted context only `juju-log` works).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Result;
use tls_certificates_testkit::sim::Binaries;

fn binaries() -> Result<Binaries> {
    let own = PathBuf::from(env!("CARGO_BIN_EXE_tls-certificates-requirer"));
    let dir = own.parent().map(Path::to_path_buf).unwrap_or_default();
    Ok(Binaries::locate_fresh(&[dir])?)
}

#[test]
fn both_charms_exit_0_on_meter_status_changed_in_its_restricted_environment() -> Result<()> {
    let binaries = binaries()?;
    let charm_dir = tempfile::tempdir()?;
    let no_tools = charm_dir.path().join("no-tools-here");
    for binary in [&binaries.requirer, &binaries.provider] {
        let output = Command::new(binary)
            .env_clear()
            .current_dir(charm_dir.path())
            .env("CHARM_DIR", charm_dir.path())
            .env("JUJU_CHARM_DIR", charm_dir.path())
            .env(
                "JUJU_CONTEXT_ID",
                "unit-web-0-meter-status-5577006791947779410",
            )
            .env(
                "JUJU_AGENT_SOCKET_ADDRESS",
                "@/var/lib/juju/agents/unit-web-0/agent.socket",
            )
            .env("JUJU_AGENT_SOCKET_NETWORK", "unix")
            .env("JUJU_UNIT_NAME", "unit-web-0")
            .env("JUJU_METER_STATUS", "AMBER")
            .env("JUJU_METER_INFO", "collector unreachable")
            .env("PATH", &no_tools)
            .env("JUJU_DISPATCH_PATH", "hooks/meter-status-changed")
            .output()?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "{}: {:?}: {stderr}",
            binary.display(),
            output.status
        );
        assert!(stderr.is_empty(), "{}: {stderr}", binary.display());
        assert!(
            String::from_utf8_lossy(&output.stdout).contains("restricted context"),
            "{}",
            binary.display()
        );
    }
    Ok(())
}
