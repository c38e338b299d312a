//! The simulated clock as charms see it.

use std::cell::Cell;

use time::OffsetDateTime;

/// The environment variable that carries the simulated time (RFC 3339) to charm processes.
/// Not a Juju variable: charms that honour it fall back to the system clock without it.
pub const SIM_NOW_VAR: &str = "JUJU_SIM_NOW";

thread_local! {
    static HOOK_TIME: Cell<Option<OffsetDateTime>> = const { Cell::new(None) };
}

/// The simulated time of the hook running on this thread, for in-process charms; `None`
/// outside a simulated hook (use the system clock then).
///
/// ```
/// assert_eq!(juju_sim::hook_time(), None);
/// ```
pub fn hook_time() -> Option<OffsetDateTime> {
    HOOK_TIME.with(Cell::get)
}

/// Sets [`hook_time`] for the duration of a hook, restoring the previous value on drop.
pub(crate) struct HookTimeGuard {
    previous: Option<OffsetDateTime>,
}

impl HookTimeGuard {
    pub(crate) fn set(now: OffsetDateTime) -> Self {
        let previous = HOOK_TIME.with(|t| t.replace(Some(now)));
        Self { previous }
    }
}

impl Drop for HookTimeGuard {
    fn drop(&mut self) {
        HOOK_TIME.with(|t| t.set(self.previous));
    }
}
