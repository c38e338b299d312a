//! The crate's error type.

/// Everything that can go wrong while reading the hook context or running a hook tool.
///
/// Tool errors name the tool (`relation-get`, `secret-add`, ...) and carry its trimmed stderr, so
/// a charm can log them as they are. Classification follows what `ops` does (see
/// [`Error::classify`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A value is not the Juju noun it was given as: a secret content key Juju would refuse, an
    /// endpoint name with a `:`, ...
    #[error(transparent)]
    InvalidValue(#[from] juju_types::Error),
    /// A required Juju environment variable was not set (or was empty).
    #[error("environment variable {var} is missing")]
    MissingEnv {
        /// The variable's name, e.g. `JUJU_UNIT_NAME`.
        var: String,
    },
    /// A Juju environment variable was set but could not be parsed.
    #[error("environment variable {var} has a malformed value {value:?}: {reason}")]
    MalformedEnv {
        /// The variable's name.
        var: String,
        /// The value found.
        value: String,
        /// Why it was rejected.
        reason: String,
    },
    /// The tool reported that the relation, secret, key or unit does not exist.
    #[error("{tool}: not found: {stderr}")]
    NotFound {
        /// The hook tool that failed.
        tool: String,
        /// Its stderr, trimmed.
        stderr: String,
    },
    /// The relation is gone: Juju still names it (in `relation-ids`, or in the hook's own
    /// environment), but it can no longer be read or written. A relation tool answers `relation
    /// not found` (`relation 7 not found` from `network-get`), or `permission denied` for a
    /// relation whose other side was removed (a cross-model relation after `juju remove-saas
    /// --force`: Juju 3.6 answers reads of its remote databags that way). The rule is `ops`'s
    /// `_relation_is_gone`: `permission denied` means a gone relation, except when a non-leader
    /// reads or writes its own application's databag, which it may not.
    ///
    /// Code that walks relations should skip a gone one rather than fail the hook.
    #[error("{tool}: the relation is gone: {stderr}")]
    RelationGone {
        /// The relation tool that failed.
        tool: String,
        /// Its stderr, trimmed.
        stderr: String,
    },
    /// The tool refused the operation: not the leader, cannot write relation settings, access or
    /// permission denied.
    #[error("{tool}: permission denied: {stderr}")]
    PermissionDenied {
        /// The hook tool that failed.
        tool: String,
        /// Its stderr, trimmed.
        stderr: String,
    },
    /// The tool rejected its arguments (exit code 2): bad flags, or an unknown relation id.
    #[error("{tool}: usage error: {stderr}")]
    Usage {
        /// The hook tool that failed.
        tool: String,
        /// Its stderr, trimmed.
        stderr: String,
    },
    /// The tool exited with a non-zero code that matched no more specific variant.
    #[error("{tool}: exited with code {code}: {stderr}")]
    Failed {
        /// The hook tool that failed.
        tool: String,
        /// Its exit code.
        code: i32,
        /// Its stderr, trimmed.
        stderr: String,
    },
    /// The tool was killed by a signal before it exited.
    #[error("{tool}: terminated by a signal: {stderr}")]
    Terminated {
        /// The hook tool that was killed.
        tool: String,
        /// Its stderr so far, trimmed.
        stderr: String,
    },
    /// The tool could not be started (not on `PATH`, not executable, ...), or its input could not
    /// be prepared (e.g. the temporary secret files).
    #[error("{tool}: could not run: {source}")]
    Spawn {
        /// The hook tool that could not be run.
        tool: String,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The tool succeeded but printed something that is not what its `--format=json` promises.
    #[error("{tool}: malformed output: {reason}")]
    MalformedOutput {
        /// The hook tool whose output was rejected.
        tool: String,
        /// What was wrong with it.
        reason: String,
    },
    /// The call was rejected before any tool ran (client-side validation, as `ops` does): an
    /// invalid secret key, empty secret content, an invalid `action-set` key, ...
    #[error("{tool}: invalid input: {reason}")]
    InvalidInput {
        /// The hook tool that would have been run.
        tool: String,
        /// What was wrong with the input.
        reason: String,
    },
}

impl Error {
    /// Classifies a failed tool run from its exit code and stderr, the way `ops` does.
    ///
    /// * stderr containing `access denied`, `permission denied`, `not the leader`, or
    ///   `cannot write relation settings` is [`Error::PermissionDenied`];
    /// * any `not found` is [`Error::NotFound`];
    /// * any other exit code 2 is [`Error::Usage`];
    /// * everything else is [`Error::Failed`], or [`Error::Terminated`] when `code` is `None`.
    ///
    /// This is what the tool's output alone says. [`ProcessHookTools`](crate::ProcessHookTools)
    /// then tells a gone relation apart from a refusal for the relation tools
    /// ([`Error::RelationGone`]), which needs to know what the call touched. The simulator uses
    /// this too, so both sides classify identically.
    #[must_use]
    pub fn classify(tool: &str, code: Option<i32>, stderr: &str) -> Self {
        let tool = tool.to_owned();
        let lower = stderr.to_ascii_lowercase();
        let stderr = stderr.trim().to_owned();
        let Some(code) = code else {
            return Self::Terminated { tool, stderr };
        };
        let denied = [
            "access denied",
            "permission denied",
            "not the leader",
            "cannot write relation settings",
        ];
        if denied.iter().any(|needle| lower.contains(needle)) {
            Self::PermissionDenied { tool, stderr }
        } else if lower.contains("not found") {
            Self::NotFound { tool, stderr }
        } else if code == 2 {
            Self::Usage { tool, stderr }
        } else {
            Self::Failed { tool, code, stderr }
        }
    }

    /// The hook tool this error is about, if it is about one.
    #[must_use]
    pub fn tool(&self) -> Option<&str> {
        match self {
            Self::NotFound { tool, .. }
            | Self::RelationGone { tool, .. }
            | Self::PermissionDenied { tool, .. }
            | Self::Usage { tool, .. }
            | Self::Failed { tool, .. }
            | Self::Terminated { tool, .. }
            | Self::Spawn { tool, .. }
            | Self::MalformedOutput { tool, .. }
            | Self::InvalidInput { tool, .. } => Some(tool),
            Self::MissingEnv { .. } | Self::MalformedEnv { .. } | Self::InvalidValue(_) => None,
        }
    }

    /// Whether this is [`Error::NotFound`] (a missing secret, key or unit) or
    /// [`Error::RelationGone`] (a missing relation).
    #[must_use]
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound { .. } | Self::RelationGone { .. })
    }

    /// Whether this is [`Error::RelationGone`]: the relation can no longer be read or written.
    #[must_use]
    pub fn is_relation_gone(&self) -> bool {
        matches!(self, Self::RelationGone { .. })
    }

    /// Whether this is [`Error::PermissionDenied`] (e.g. not the leader).
    #[must_use]
    pub fn is_permission_denied(&self) -> bool {
        matches!(self, Self::PermissionDenied { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_stderr_and_code_when_classified_then_variant_follows_ops_rules() {
        let kind = |code, stderr| match Error::classify("secret-get", code, stderr) {
            Error::NotFound { .. } => "not-found",
            Error::PermissionDenied { .. } => "denied",
            Error::Usage { .. } => "usage",
            Error::Failed { .. } => "failed",
            Error::Terminated { .. } => "terminated",
            _ => "other",
        };
        assert_eq!(kind(Some(1), "ERROR secret \"x\" not found\n"), "not-found");
        assert_eq!(kind(Some(2), "ERROR relation not found"), "not-found");
        assert_eq!(kind(Some(1), "ERROR Permission Denied"), "denied");
        assert_eq!(kind(Some(1), "ERROR this unit is not the leader"), "denied");
        assert_eq!(kind(Some(2), "ERROR unrecognized args"), "usage");
        assert_eq!(kind(Some(1), "ERROR boom"), "failed");
        assert_eq!(kind(None, ""), "terminated");
    }

    #[test]
    fn given_classified_error_when_displayed_then_names_tool_and_trimmed_stderr() {
        let err = Error::classify(
            "relation-set",
            Some(1),
            "  ERROR cannot write relation settings\n",
        );
        assert_eq!(
            err.to_string(),
            "relation-set: permission denied: ERROR cannot write relation settings"
        );
        assert_eq!(err.tool(), Some("relation-set"));
        assert!(err.is_permission_denied() && !err.is_not_found());
    }
}
