//! RSA key generation for the ring backend: RustCrypto `rsa`'s prime search, on every core.
//!
//! Nearly all of an RSA key's generation time is the search for its two primes. `rsa` 0.10
//! searches one candidate at a time: a random start with the top two bits set, crypto-primes'
//! small-factors sieve, then constant-time Miller-Rabin base 2 + Lucas (BPSW,
//! [`Flavor::Any`]) on each survivor. Here several threads run that same search at once, each
//! from its own random start and with its own OS-seeded random source: the first prime found
//! wins and the others stop at their next candidate; then the same again for the second prime.
//! The expected wall time of each prime divides by the number of threads (two threads that
//! each looked for their own prime would only save ~25 %: the key waits for the slower one).
//!
//! The key is then built by `rsa`'s own constructor from the two primes
//! ([`rsa::PrivateKey::from_primes`]: the same d as `rsa`'s generator, then its usual
//! validation and precomputation). Before that, the key is checked to have the properties `rsa`'s
//! generator gives: e = 65537, both primes of exactly half the modulus bits (top two bits set),
//! the modulus of exactly the requested bits, and |p - q| > 2^(bits/2 - 100) (FIPS 186-5 A.1.3).
//!
//! With one thread available this is `rsa::PrivateKey::new`, unchanged.

use core::num::NonZeroU32;
use std::sync::OnceLock;

use crypto_bigint::{BitOps as _, BoxedUint, RandomBits};
use crypto_primes::hazmat::SmallFactorsSieve;
use crypto_primes::{Flavor, is_prime};
use ring::rand::SystemRandom;
use rsa::traits::PublicKeyParts as _;
use zeroize::Zeroize as _;

use super::{RandomUnavailable, RingRng, backend_error};
use crate::Error;

/// The RSA public exponent.
const PUBLIC_EXPONENT: u64 = 65_537;

/// Most threads one prime search uses (past a few, a key is a handful of primality tests).
const MAX_THREADS: usize = 8;

/// Fresh prime pairs tried before giving up. A pair is refused only when e divides p - 1 or
/// q - 1 (probability ~2^-15) or p and q are too close (~2^-98), so a second attempt is already
/// rare; a tenth means something is broken.
const MAX_ATTEMPTS: usize = 10;

/// How many threads RSA key generation uses: every available core, at most [`MAX_THREADS`].
pub(super) fn available_threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(MAX_THREADS)
}

/// Generates an RSA key of `bits` bits (e = 65537) searching for its primes on `threads`
/// threads; one thread is `rsa`'s own generator.
pub(super) fn generate(bits: u32, threads: usize) -> Result<rsa::PrivateKey, Error> {
    let failed = |e: rsa::Error| backend_error("RSA key generation", e);
    let bits_usize = usize::try_from(bits).map_err(|_| unsupported(bits))?;
    if threads <= 1 {
        return rsa::PrivateKey::new(&mut RingRng(SystemRandom::new()), bits_usize).map_err(failed);
    }
    let half = NonZeroU32::new(bits / 2)
        .filter(|half| bits.is_multiple_of(2) && half.get() >= 512)
        .ok_or_else(|| unsupported(bits))?;
    let mut last_error = None;
    for _ in 0..MAX_ATTEMPTS {
        let mut p = find_prime(half, threads)?;
        let mut q = find_prime(half, threads)?;
        if !far_apart(&p, &q, half.get()) {
            p.zeroize();
            q.zeroize();
            continue;
        }
        // `from_primes` computes d as `rsa`'s generator does, validates and precomputes; it
        // refuses a pair where e divides p - 1 or q - 1 (then try fresh primes, as `rsa` does).
        match rsa::PrivateKey::from_primes(vec![p, q], BoxedUint::from(PUBLIC_EXPONENT)) {
            Ok(key) if key.n().as_ref().bit_width() == bits => return Ok(key),
            Ok(_) => last_error = Some(backend_error("RSA key generation", "modulus size")),
            Err(e) => last_error = Some(failed(e)),
        }
    }
    Err(last_error.unwrap_or_else(|| backend_error("RSA key generation", "p and q too close")))
}

/// The error for a size this generator does not make (the backend only asks for 2048, 3072 and
/// 4096 bits).
fn unsupported(bits: u32) -> Error {
    Error::UnsupportedAlgorithm {
        algorithm: format!("rsa-{bits}"),
    }
}

/// Whether |p - q| > 2^(half - 100), i.e. the primes differ somewhere in their top 100 bits.
fn far_apart(p: &BoxedUint, q: &BoxedUint, half: u32) -> bool {
    let (high, low) = if p > q { (p, q) } else { (q, p) };
    let mut difference = high.wrapping_sub(low);
    let apart = difference.bit_width() > half.saturating_sub(100);
    difference.zeroize();
    apart
}

/// Finds a prime of exactly `bits` bits with its top two bits set, searching on `threads`
/// threads at once; the first prime found wins.
fn find_prime(bits: NonZeroU32, threads: usize) -> Result<BoxedUint, Error> {
    let winner = OnceLock::new();
    let failures: Vec<&'static str> = std::thread::scope(|scope| {
        let searches: Vec<_> = (0..threads)
            .map(|_| scope.spawn(|| search(bits, &winner)))
            .collect();
        searches
            .into_iter()
            // A search that failed or panicked found nothing; the others still count.
            .filter_map(|search| match search.join() {
                Ok(Ok(())) => None,
                Ok(Err(RandomUnavailable)) => Some("system random source failed"),
                Err(_) => Some("a prime search thread panicked"),
            })
            .collect()
    });
    winner.into_inner().ok_or_else(|| {
        backend_error(
            "RSA key generation",
            failures.first().copied().unwrap_or("no prime found"),
        )
    })
}

/// One thread's search: `rsa`'s (random start, top two bits and the low bit set, small-factors
/// sieve, BPSW on each survivor), until it or another thread has found a prime.
fn search(bits: NonZeroU32, winner: &OnceLock<BoxedUint>) -> Result<(), RandomUnavailable> {
    let mut rng = RingRng(SystemRandom::new());
    while winner.get().is_none() {
        let mut start =
            BoxedUint::try_random_bits(&mut rng, bits.get()).map_err(|_| RandomUnavailable)?;
        start.set_bit_vartime(0, true);
        start.set_bit_vartime(bits.get() - 1, true);
        start.set_bit_vartime(bits.get() - 2, true);
        let Ok(sieve) = SmallFactorsSieve::new(start, bits, false) else {
            // Cannot happen: the start has exactly `bits` bits.
            return Err(RandomUnavailable);
        };
        for mut candidate in sieve {
            if winner.get().is_some() {
                candidate.zeroize();
                return Ok(());
            }
            if is_prime(Flavor::Any, &candidate) {
                if let Err(mut late) = winner.set(candidate) {
                    late.zeroize();
                }
                return Ok(());
            }
            candidate.zeroize();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    use rsa::traits::PrivateKeyParts as _;

    #[test]
    fn given_two_threads_when_rsa_2048_generated_then_the_key_has_rsa_s_properties() {
        for _ in 0..3 {
            let key = generate(2048, 2).unwrap();
            assert_eq!(key.n().as_ref().bit_width(), 2048);
            assert_eq!(*key.e(), BoxedUint::from(PUBLIC_EXPONENT));
            let primes = key.primes();
            assert_eq!(primes.len(), 2);
            for prime in primes {
                assert_eq!(prime.bit_width(), 1024, "a prime of exactly half the bits");
                assert!(is_prime(Flavor::Any, prime.as_ref()));
            }
            assert!(far_apart(primes[0].as_ref(), primes[1].as_ref(), 1024));
            key.validate().unwrap();
        }
    }

    /// A 1024-bit number: 2^1023 + 2^1022 + 1, plus 2^`bit` when given.
    fn number(bit: Option<usize>) -> BoxedUint {
        let mut bytes = [0_u8; 128];
        bytes[0] = 0xc0;
        bytes[127] = 1;
        if let Some(bit) = bit {
            bytes[127 - bit / 8] |= 1 << (bit % 8);
        }
        BoxedUint::from_be_slice(&bytes, 1024).unwrap()
    }

    #[test]
    fn given_primes_closer_than_2_to_the_924_then_they_are_not_far_apart() {
        let p = number(None);
        let (close, far) = (number(Some(923)), number(Some(925)));
        assert!(!far_apart(&p, &close, 1024));
        assert!(!far_apart(&close, &p, 1024));
        assert!(far_apart(&p, &far, 1024));
        assert!(far_apart(&far, &p, 1024));
    }

    #[test]
    fn given_an_odd_or_small_size_then_it_is_unsupported() {
        for bits in [1023, 1000] {
            assert!(matches!(
                generate(bits, 2),
                Err(Error::UnsupportedAlgorithm { .. })
            ));
        }
    }
}
