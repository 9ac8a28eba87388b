//! Sealing and keyed hashing with ring.
//!
//! - Payloads: AES-256-GCM under the random 256-bit data key, with a fresh random 96-bit nonce
//!   per seal. Random nonces are safe here: NIST SP 800-38D allows 2^32 random-nonce seals per
//!   key; a tablet seals at most a few million values in its life, where the chance of any
//!   nonce repeating is about n²/2^97 < 10^-16.
//! - The associated data names what is sealed (e.g. record id and version), so a sealed value
//!   moved to another row no longer opens.
//! - The data key is wrapped by a key derived from the PIN with PBKDF2-HMAC-SHA256
//!   (600,000 iterations, OWASP's 2023 figure, per-device salt). PBKDF2 rather than Argon2id
//!   because ring provides it: no second crypto crate to audit. Argon2id's memory hardness
//!   would resist GPU guessing better; with a short PIN neither stops an attacker holding the
//!   file for long, which is why the lockout and the tablet's own disk encryption matter too.

use std::num::NonZeroU32;

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};

use crate::error::{QueueError, Result};

pub const KEY_LEN: usize = 32;
pub const SALT_LEN: usize = 16;
/// PBKDF2 iterations for every PIN derivation, tests included.
pub const PIN_ITERATIONS: u32 = 600_000;

pub fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut out = [0u8; N];
    SystemRandom::new()
        .fill(&mut out)
        .map_err(|_| QueueError::Random)?;
    Ok(out)
}

/// An AES-256-GCM key that seals as `nonce || ciphertext || tag`.
pub struct SealKey(LessSafeKey);

impl SealKey {
    pub fn new(bytes: &[u8; KEY_LEN]) -> Result<Self> {
        let key = UnboundKey::new(&AES_256_GCM, bytes).map_err(|_| QueueError::Random)?;
        Ok(Self(LessSafeKey::new(key)))
    }

    pub fn seal(&self, context: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
        let nonce_bytes = random_bytes::<NONCE_LEN>()?;
        let mut in_out = plaintext.to_vec();
        self.0
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce_bytes),
                Aad::from(context),
                &mut in_out,
            )
            .map_err(|_| QueueError::Random)?;
        let mut out = Vec::with_capacity(NONCE_LEN + in_out.len());
        out.extend_from_slice(&nonce_bytes);
        out.extend_from_slice(&in_out);
        Ok(out)
    }

    /// Opens a sealed value; `None` when it fails authentication.
    pub fn open(&self, context: &[u8], sealed: &[u8]) -> Option<Vec<u8>> {
        if sealed.len() < NONCE_LEN {
            return None;
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut in_out = ciphertext.to_vec();
        let plain = self
            .0
            .open_in_place(nonce, Aad::from(context), &mut in_out)
            .ok()?;
        Some(plain.to_vec())
    }
}

/// The key-encryption key for the data key, from the PIN (about 0.3 s optimised).
pub fn pin_key(pin: &str, salt: &[u8], iterations: u32) -> Result<SealKey> {
    let iterations = NonZeroU32::new(iterations)
        .ok_or_else(|| QueueError::PinRule("iteration count must not be zero".into()))?;
    let mut out = [0u8; KEY_LEN];
    ring::pbkdf2::derive(
        ring::pbkdf2::PBKDF2_HMAC_SHA256,
        iterations,
        salt,
        pin.as_bytes(),
        &mut out,
    );
    SealKey::new(&out)
}

/// The keys used day to day, all derived from the data key.
pub struct Keys {
    pub data_key: [u8; KEY_LEN],
    pub seal: SealKey,
    /// HMAC key for the ticket and ticket+dose index.
    pub index: hmac::Key,
    /// HMAC key for the audit log's head.
    pub audit: hmac::Key,
}

impl Keys {
    pub fn from_data_key(data_key: [u8; KEY_LEN]) -> Result<Self> {
        let master = hmac::Key::new(hmac::HMAC_SHA256, &data_key);
        // HMAC as a PRF over a label: one HKDF-Expand block per subkey.
        let sub = |label: &[u8]| -> [u8; KEY_LEN] {
            let mut out = [0u8; KEY_LEN];
            out.copy_from_slice(hmac::sign(&master, label).as_ref());
            out
        };
        Ok(Self {
            seal: SealKey::new(&sub(b"vrs-queue seal v1"))?,
            index: hmac::Key::new(hmac::HMAC_SHA256, &sub(b"vrs-queue index v1")),
            audit: hmac::Key::new(hmac::HMAC_SHA256, &sub(b"vrs-queue audit v1")),
            data_key,
        })
    }

    pub fn index_mac(&self, parts: &[&str]) -> Vec<u8> {
        hmac::sign(&self.index, parts.join("|").as_bytes())
            .as_ref()
            .to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_their_context() {
        let keys = Keys::from_data_key(random_bytes().unwrap()).unwrap();
        let sealed = keys.seal.seal(b"record|a|1", b"payload").unwrap();
        assert_eq!(keys.seal.open(b"record|a|1", &sealed).unwrap(), b"payload");
        assert!(keys.seal.open(b"record|a|2", &sealed).is_none());
        let mut flipped = sealed.clone();
        flipped[20] ^= 1;
        assert!(keys.seal.open(b"record|a|1", &flipped).is_none());
        // Two seals of the same value differ (fresh nonce each time).
        assert_ne!(sealed, keys.seal.seal(b"record|a|1", b"payload").unwrap());
    }

    #[test]
    fn index_macs_depend_on_the_key() {
        let a = Keys::from_data_key([1; KEY_LEN]).unwrap();
        let b = Keys::from_data_key([2; KEY_LEN]).unwrap();
        assert_eq!(a.index_mac(&["x", "1"]), a.index_mac(&["x", "1"]));
        assert_ne!(a.index_mac(&["x", "1"]), b.index_mac(&["x", "1"]));
        assert_ne!(a.index_mac(&["x", "1"]), a.index_mac(&["x", "2"]));
    }
}
