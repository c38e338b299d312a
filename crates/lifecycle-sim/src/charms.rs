//! Both charms in-process, with a charm directory of their own and the pooled backend.

use std::path::PathBuf;
use std::sync::Arc;

use juju_hook_tools::{CachedHookTools, Context};
use juju_sim::{Charm, CharmOutcome, Invocation, SimRunner, ToolServer};
use time::OffsetDateTime;
use tls_certificates::Hook;

use crate::backend::PooledBackend;

/// A charm's entry point, as the charm crates export it (errors as text).
type Run = fn(&Hook<'_>) -> Result<(), String>;

/// A charm run in-process the way its binary runs it (`tls_certificates::charm::main`: the
/// hook tools behind [`CachedHookTools`], the clock from the simulator), with
/// `JUJU_CHARM_DIR` pointing at a directory of the harness (the requirer writes its files
/// there).
struct InProcessCharm {
    run: Run,
    backend: Arc<PooledBackend>,
    charm_dir: PathBuf,
}

impl Charm for InProcessCharm {
    fn run(
        &self,
        invocation: &Invocation<'_>,
        tools: &mut dyn ToolServer,
    ) -> juju_sim::Result<CharmOutcome> {
        let mut env = invocation.env.clone();
        env.insert(
            "JUJU_CHARM_DIR".to_owned(),
            self.charm_dir.display().to_string(),
        );
        let ctx = match Context::from_map(&env) {
            Ok(ctx) => ctx,
            Err(e) => {
                return Ok(CharmOutcome {
                    success: false,
                    error: Some(format!("cannot read the hook context: {e}")),
                    ..CharmOutcome::default()
                });
            }
        };
        let sim_tools = SimRunner::hook_tools(tools);
        let cached = CachedHookTools::new(&sim_tools, &ctx);
        let now = juju_sim::hook_time().unwrap_or(OffsetDateTime::UNIX_EPOCH);
        let result = (self.run)(&Hook::new(&ctx, &cached, self.backend.as_ref(), now));
        Ok(CharmOutcome {
            success: result.is_ok(),
            error: result.err(),
            ..CharmOutcome::default()
        })
    }
}

fn run_provider(hook: &Hook<'_>) -> Result<(), String> {
    self_signed_certificates::run(hook).map_err(|e| tls_certificates::charm::error_chain(&e))
}

fn run_requirer(hook: &Hook<'_>) -> Result<(), String> {
    tls_certificates_requirer::run(hook).map_err(|e| tls_certificates::charm::error_chain(&e))
}

/// The provider charm (`self-signed-certificates`).
pub(crate) fn provider(backend: Arc<PooledBackend>, charm_dir: PathBuf) -> Arc<dyn Charm> {
    Arc::new(InProcessCharm {
        run: run_provider,
        backend,
        charm_dir,
    })
}

/// The requirer charm (`tls-certificates-requirer`).
pub(crate) fn requirer(backend: Arc<PooledBackend>, charm_dir: PathBuf) -> Arc<dyn Charm> {
    Arc::new(InProcessCharm {
        run: run_requirer,
        backend,
        charm_dir,
    })
}
