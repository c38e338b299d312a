//! The one error of this crate: a text that is not the noun it should be.

/// A text that does not parse as the Juju noun it was given as. Variants are named after what
/// was rejected; each carries the rejected text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Not `<app>/<number>`.
    #[error("unit name {name:?} is not of the form <app>/<number>")]
    InvalidUnitName {
        /// The rejected text.
        name: String,
    },
    /// Not `unit-<app>-<number>`.
    #[error("{tag:?} is not a unit tag (unit-<app>-<number>)")]
    InvalidUnitTag {
        /// The rejected text.
        tag: String,
    },
    /// Not `<endpoint>:<number>`.
    #[error("relation id {id:?} is not of the form <endpoint>:<number>")]
    InvalidRelationId {
        /// The rejected text.
        id: String,
    },
    /// Empty, or holding `:`, `/` or whitespace.
    #[error("{endpoint:?} is not an endpoint name")]
    InvalidEndpoint {
        /// The rejected text.
        endpoint: String,
    },
    /// Not `secret:<xid>`, `secret://<uuid>/<xid>` or a bare xid.
    #[error("{id:?} is not a secret id")]
    InvalidSecretId {
        /// The rejected text.
        id: String,
    },
    /// A secret content key Juju would refuse.
    #[error(
        "secret key {key:?} must match ^([a-z](?:-?[a-z0-9]){{2,}})$ (lowercase, digits, single \
         hyphens, at least 3 characters)"
    )]
    InvalidSecretKey {
        /// The rejected key.
        key: String,
    },
    /// Not one of the words Juju takes for this (a status, a log level, a secret owner).
    #[error("{word:?} is not {expected}")]
    UnknownWord {
        /// The rejected text.
        word: String,
        /// What it should have been, e.g. `a secret owner`.
        expected: &'static str,
    },
    /// Not `major.minor[.patch][-tag][.build]`.
    #[error("{text:?} is not a Juju version")]
    InvalidJujuVersion {
        /// The rejected text.
        text: String,
    },
}
