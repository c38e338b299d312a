//! [`Hook`]: everything one hook of a charm works with.

use juju_hook_tools::{Context, Event, HookTools, LogLevel, StatusKind, Target};
use time::OffsetDateTime;

use crate::Error;
use crate::crypto::CryptoBackend;

/// One hook (or action) of a charm: the hook's [`Context`], the hook tools, the crypto backend
/// and the time. [`charm::main`](crate::charm::main) builds it and hands it to the charm's
/// function; both adapters are built from it
/// ([`Requirer::new`](crate::requirer::Requirer::new),
/// [`Provider::new`](crate::provider::Provider::new)); tests build it with [`Hook::new`] from
/// the simulator's context and tools.
///
/// It is `Copy` (four references and an instant): pass it by reference or by value.
#[derive(Clone, Copy)]
pub struct Hook<'a> {
    context: &'a Context,
    tools: &'a dyn HookTools,
    backend: &'a dyn CryptoBackend,
    now: OffsetDateTime,
}

impl core::fmt::Debug for Hook<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Hook")
            .field("unit", &self.context.unit().as_str())
            .field("event", self.context.event())
            .field("backend", &self.backend.name())
            .field("now", &self.now)
            .finish_non_exhaustive()
    }
}

impl<'a> Hook<'a> {
    /// A hook from its parts (what [`charm::main`](crate::charm::main) does for a charm binary).
    pub fn new(
        context: &'a Context,
        tools: &'a dyn HookTools,
        backend: &'a dyn CryptoBackend,
        now: OffsetDateTime,
    ) -> Self {
        Self {
            context,
            tools,
            backend,
            now,
        }
    }

    /// The hook context (unit, event, charm directory, ...).
    pub fn context(&self) -> &'a Context {
        self.context
    }

    /// The hook tools.
    pub fn tools(&self) -> &'a dyn HookTools {
        self.tools
    }

    /// The crypto backend.
    pub fn backend(&self) -> &'a dyn CryptoBackend {
        self.backend
    }

    /// The time of this hook (the simulator's clock under juju-sim).
    pub fn now(&self) -> OffsetDateTime {
        self.now
    }

    /// The event being handled.
    pub fn event(&self) -> &'a Event {
        self.context.event()
    }

    /// The name of the action being run, `None` in a hook.
    pub fn action(&self) -> Option<&'a str> {
        match self.context.event() {
            Event::Action { name, .. } => Some(name.as_str()),
            _ => None,
        }
    }

    /// The charm's configuration (`config-get`).
    ///
    /// # Errors
    /// A failing hook tool.
    pub fn config(&self) -> Result<serde_json::Map<String, serde_json::Value>, Error> {
        self.tools
            .config_get()
            .map_err(Error::tool("reading the config"))
    }

    /// The string option `name` of the charm's configuration, `""` when unset or not a string.
    ///
    /// # Errors
    /// A failing hook tool.
    pub fn config_str(&self, name: &str) -> Result<String, Error> {
        let config = self.config()?;
        Ok(config
            .get(name)
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_owned())
    }

    /// Whether this unit is the leader.
    ///
    /// # Errors
    /// A failing hook tool.
    pub fn is_leader(&self) -> Result<bool, Error> {
        self.tools
            .is_leader()
            .map_err(Error::tool("checking leadership"))
    }

    /// Sets this unit's status.
    ///
    /// # Errors
    /// A failing hook tool.
    pub fn set_status(&self, kind: StatusKind, message: &str) -> Result<(), Error> {
        self.tools
            .status_set(Target::Unit, kind, message)
            .map_err(Error::tool("setting the status"))
    }

    /// Logs a line (best effort, bounded: see [`HookTools::log`]).
    pub fn log(&self, level: LogLevel, message: &str) {
        self.tools.log(level, message);
    }

    /// Fails the running action with `message`; does nothing in a hook.
    ///
    /// # Errors
    /// A failing hook tool.
    pub fn fail_action(&self, message: &str) -> Result<(), Error> {
        if self.action().is_some() {
            self.tools
                .action_fail(message)
                .map_err(Error::tool("failing the action"))?;
        }
        Ok(())
    }

    /// The charm cannot work with its configuration: logs `message` as a warning, fails the
    /// action if one is running, and sets the unit's status to blocked with `message`. The hook
    /// then succeeds (retrying would not help: the operator must change the configuration).
    ///
    /// # Errors
    /// A failing hook tool.
    pub fn invalid_config(&self, message: &str) -> Result<(), Error> {
        self.log(LogLevel::Warning, message);
        self.fail_action(message)?;
        self.set_status(StatusKind::Blocked, message)
    }
}
