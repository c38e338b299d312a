//! juju-sim's clock reaches Python charms through `ProcessCharm::python_sim_clock`.

use std::os::unix::fs::PermissionsExt as _;
use std::sync::Arc;

use anyhow::{Context as _, Result, ensure};
use juju_sim::{CharmMeta, Model, ProcessCharm};
use python_charms::{Ops, binaries, python};

#[test]
fn a_python_charm_with_the_sim_clock_sees_the_models_time_not_the_wall_clock() -> Result<()> {
    let python = python(Ops::Three)?;
    let binaries = binaries()?;
    let dir = tempfile::tempdir()?;
    let out = dir.path().join("now.txt");
    let dispatch = dir.path().join("dispatch");
    std::fs::write(
        &dispatch,
        format!(
            "#!/bin/sh\nexec '{}' -c 'import datetime, time; print(datetime.datetime.now(datetime.timezone.utc).isoformat(), int(time.time()))' >> '{}'\n",
            python.display(),
            out.display()
        ),
    )?;
    std::fs::set_permissions(&dispatch, std::fs::Permissions::from_mode(0o755))?;
    let now = time::macros::datetime!(2031-05-06 07:08:09 UTC);
    let mut model = Model::new();
    model.set_now(now);
    let charm = ProcessCharm::new(dir.path(), &binaries.tool)
        .shared_dir()
        .python_sim_clock();
    model.deploy("py", CharmMeta::new("py"), Arc::new(charm), 1)?;
    model.run_hook("py/0", juju_sim::Hook::Install)?;
    let text = std::fs::read_to_string(&out).context("the charm wrote nothing")?;
    ensure!(text.starts_with("2031-05-06T07:08:"), "{text}");
    let seconds: i64 = text
        .split_whitespace()
        .nth(1)
        .context("no time.time()")?
        .parse()?;
    ensure!(
        (seconds - now.unix_timestamp()).abs() < 60,
        "time.time() is {seconds}: {text}"
    );
    Ok(())
}
