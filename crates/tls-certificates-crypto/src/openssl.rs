//! The `openssl` backend (SKELETON).

use crate::CryptoBackend;

/// The `openssl` backend.
pub fn backend() -> &'static dyn CryptoBackend {
    todo!()
}
