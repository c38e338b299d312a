//! The crypto backend the charms get: ring, with keys from a pool and deterministic randomness,
//! so a sequence costs no key generation and reruns the same way from the same input.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};

use tls_certificates::crypto::{
    CryptoBackend, DigestAlgorithm, Error, KeyAlgorithm, PrivateKey, PublicKey, SignatureAlgorithm,
    Signer,
};
use zeroize::Zeroizing;

/// The pooled keys of each algorithm.
type Pool = Vec<(KeyAlgorithm, Vec<PrivateKey>)>;

/// Keys generated so far, per algorithm, shared by every sequence of the process: the `n`th
/// key a sequence asks for is the pool's `n`th key (generated on first use).
fn pool() -> &'static Mutex<Pool> {
    static POOL: OnceLock<Mutex<Pool>> = OnceLock::new();
    POOL.get_or_init(|| Mutex::new(Vec::new()))
}

/// ring with pooled keys and a seeded random stream (serial numbers, unique identifiers).
///
/// Every key handed out within one sequence is distinct (the `n`th request of an algorithm gets
/// the `n`th pooled key), so "the key changed" stays observable.
#[derive(Debug)]
pub struct PooledBackend {
    inner: &'static dyn CryptoBackend,
    /// Keys handed out so far by this backend, per algorithm (index into the pool).
    handed_out: Mutex<Vec<(KeyAlgorithm, usize)>>,
    random: Mutex<u64>,
    /// Keys this backend made (for the statistics).
    generated: AtomicUsize,
}

impl PooledBackend {
    /// A fresh backend: its first key of each algorithm is the pool's first, its random stream
    /// starts from `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            inner: tls_certificates::crypto::ring::backend(),
            handed_out: Mutex::new(Vec::new()),
            random: Mutex::new(seed),
            generated: AtomicUsize::new(0),
        }
    }

    /// How many keys the charms asked for.
    pub fn keys_generated(&self) -> usize {
        self.generated.load(Ordering::Relaxed)
    }

    fn next_index(&self, algorithm: KeyAlgorithm) -> usize {
        let mut handed = self
            .handed_out
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some((_, n)) = handed.iter_mut().find(|(a, _)| *a == algorithm) {
            *n += 1;
            *n - 1
        } else {
            handed.push((algorithm, 1));
            0
        }
    }
}

/// SplitMix64: the next value of the stream.
pub(crate) fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl CryptoBackend for PooledBackend {
    fn name(&self) -> &'static str {
        "ring (pooled keys)"
    }

    fn generate_key(&self, algorithm: KeyAlgorithm) -> Result<PrivateKey, Error> {
        self.generated.fetch_add(1, Ordering::Relaxed);
        let index = self.next_index(algorithm);
        let mut pool = pool().lock().unwrap_or_else(PoisonError::into_inner);
        let position = match pool.iter().position(|(a, _)| *a == algorithm) {
            Some(p) => p,
            None => {
                pool.push((algorithm, Vec::new()));
                pool.len() - 1
            }
        };
        let Some((_, keys)) = pool.get_mut(position) else {
            return self.inner.generate_key(algorithm);
        };
        while keys.len() <= index {
            keys.push(self.inner.generate_key(algorithm)?);
        }
        match keys.get(index) {
            Some(key) => Ok(key.clone()),
            None => self.inner.generate_key(algorithm),
        }
    }

    fn load_pkcs8(&self, der: Zeroizing<Vec<u8>>) -> Result<PrivateKey, Error> {
        self.inner.load_pkcs8(der)
    }

    fn signer(&self, key: &PrivateKey) -> Result<Box<dyn Signer>, Error> {
        self.inner.signer(key)
    }

    fn verify(
        &self,
        public_key: &PublicKey,
        algorithm: SignatureAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), Error> {
        self.inner.verify(public_key, algorithm, message, signature)
    }

    fn fill_random(&self, dest: &mut [u8]) -> Result<(), Error> {
        let mut state = self.random.lock().unwrap_or_else(PoisonError::into_inner);
        for chunk in dest.chunks_mut(8) {
            let bytes = splitmix(&mut state).to_le_bytes();
            for (d, s) in chunk.iter_mut().zip(bytes) {
                *d = s;
            }
        }
        Ok(())
    }

    fn digest(&self, algorithm: DigestAlgorithm, data: &[u8]) -> Result<Vec<u8>, Error> {
        self.inner.digest(algorithm, data)
    }
}
