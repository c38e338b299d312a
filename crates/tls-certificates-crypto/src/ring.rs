//! The `ring` backend (SKELETON).

use crate::CryptoBackend;

/// The `ring` backend.
pub fn backend() -> &'static dyn CryptoBackend {
    todo!()
}
