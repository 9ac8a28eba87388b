//! Ed25519 device keys (ring). A device signs each record's canonical bytes, and each upload
//! request body, so that the server can tell its uploads from anyone else's.

use ring::digest;
use ring::rand::SystemRandom;
use ring::signature::{self, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use thiserror::Error;
use vrs_record::VaccinationRecord;

use crate::canonical::canonical_bytes;

/// Domain separation: a record signature can never pass as a body signature or the reverse.
const RECORD_CONTEXT: &[u8] = b"vrs-record-signature-v1\0";
const BODY_CONTEXT: &[u8] = b"vrs-upload-body-v1\0";

/// Length of an Ed25519 public key in bytes.
pub const PUBLIC_KEY_LEN: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SignatureError {
    #[error("signature: not hexadecimal")]
    NotHex,
    #[error("signature: does not verify against the device's public key")]
    Invalid,
    #[error("public_key: {0}")]
    PublicKey(String),
    #[error("device key: {0}")]
    Key(String),
}

/// A device's Ed25519 key pair.
pub struct DeviceKey {
    pair: Ed25519KeyPair,
}

impl std::fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DeviceKey({})", self.public_key_hex())
    }
}

impl DeviceKey {
    /// Makes a new key pair; returns it with its PKCS#8 document, which the caller seals.
    pub fn generate() -> Result<(Self, Vec<u8>), SignatureError> {
        let rng = SystemRandom::new();
        let document = Ed25519KeyPair::generate_pkcs8(&rng)
            .map_err(|_| SignatureError::Key("the system random source failed".into()))?;
        let pkcs8 = document.as_ref().to_vec();
        let key = Self::from_pkcs8(&pkcs8)?;
        Ok((key, pkcs8))
    }

    /// Loads a key pair from its PKCS#8 document.
    pub fn from_pkcs8(pkcs8: &[u8]) -> Result<Self, SignatureError> {
        let pair = Ed25519KeyPair::from_pkcs8(pkcs8)
            .map_err(|e| SignatureError::Key(format!("not an Ed25519 PKCS#8 document ({e})")))?;
        Ok(Self { pair })
    }

    pub fn public_key(&self) -> &[u8] {
        self.pair.public_key().as_ref()
    }

    pub fn public_key_hex(&self) -> String {
        hex::encode(self.public_key())
    }

    /// Signature over the record's canonical bytes, lowercase hex.
    pub fn sign_record(&self, record: &VaccinationRecord) -> String {
        hex::encode(self.pair.sign(&record_message(&canonical_bytes(record))))
    }

    /// Signature over an upload request body, lowercase hex (sent in [`crate::SIGNATURE_HEADER`]).
    pub fn sign_body(&self, body: &[u8]) -> String {
        hex::encode(self.pair.sign(&body_message(body)))
    }
}

/// What a record signature covers: the domain tag, then the record's canonical bytes.
pub(crate) fn record_message(canonical: &[u8]) -> Vec<u8> {
    [RECORD_CONTEXT, canonical].concat()
}

fn body_message(body: &[u8]) -> Vec<u8> {
    [BODY_CONTEXT, digest::digest(&digest::SHA256, body).as_ref()].concat()
}

/// Parses a hex public key and checks its length.
pub fn parse_public_key(text: &str) -> Result<Vec<u8>, SignatureError> {
    let bytes =
        hex::decode(text).map_err(|_| SignatureError::PublicKey("not hexadecimal".into()))?;
    if bytes.len() != PUBLIC_KEY_LEN {
        return Err(SignatureError::PublicKey(format!(
            "{} bytes, an Ed25519 key has {PUBLIC_KEY_LEN}",
            bytes.len()
        )));
    }
    // A key that is no curve point, or one of small order, would let anyone forge "valid"
    // signatures for the device (batch verification accepts them): refuse it at enrolment.
    let mut compressed = [0u8; PUBLIC_KEY_LEN];
    compressed.copy_from_slice(&bytes);
    match curve25519_dalek::edwards::CompressedEdwardsY(compressed).decompress() {
        None => Err(SignatureError::PublicKey("not a point on the curve".into())),
        Some(point) if point.is_small_order() => Err(SignatureError::PublicKey(
            "a weak key of small order".into(),
        )),
        Some(_) => Ok(bytes),
    }
}

pub(crate) fn verify(
    public_key: &[u8],
    message: &[u8],
    signature_hex: &str,
) -> Result<(), SignatureError> {
    let signature = hex::decode(signature_hex).map_err(|_| SignatureError::NotHex)?;
    verify_bytes(public_key, message, &signature)
}

pub(crate) fn verify_bytes(
    public_key: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), SignatureError> {
    UnparsedPublicKey::new(&signature::ED25519, public_key)
        .verify(message, signature)
        .map_err(|_| SignatureError::Invalid)
}

/// Checks a record signature made by [`DeviceKey::sign_record`].
pub fn verify_record(
    public_key: &[u8],
    record: &VaccinationRecord,
    signature_hex: &str,
) -> Result<(), SignatureError> {
    verify(
        public_key,
        &record_message(&canonical_bytes(record)),
        signature_hex,
    )
}

/// Checks a body signature made by [`DeviceKey::sign_body`].
pub fn verify_body(
    public_key: &[u8],
    body: &[u8],
    signature_hex: &str,
) -> Result<(), SignatureError> {
    verify(public_key, &body_message(body), signature_hex)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canonical::tests::sample;

    #[test]
    fn a_signature_verifies_and_any_change_breaks_it() {
        let (key, pkcs8) = DeviceKey::generate().unwrap();
        let record = sample();
        let signature = key.sign_record(&record);
        verify_record(key.public_key(), &record, &signature).unwrap();

        let reloaded = DeviceKey::from_pkcs8(&pkcs8).unwrap();
        assert_eq!(reloaded.public_key(), key.public_key());

        let mut changed = record.clone();
        changed.lot.push('X');
        assert_eq!(
            verify_record(key.public_key(), &changed, &signature),
            Err(SignatureError::Invalid)
        );
        let (other, _) = DeviceKey::generate().unwrap();
        assert_eq!(
            verify_record(other.public_key(), &record, &signature),
            Err(SignatureError::Invalid)
        );
        assert_eq!(
            verify_record(key.public_key(), &record, "zz"),
            Err(SignatureError::NotHex)
        );
    }

    #[test]
    fn record_and_body_signatures_are_not_interchangeable() {
        let (key, _) = DeviceKey::generate().unwrap();
        let record = sample();
        let bytes = canonical_bytes(&record);
        let body_signature = key.sign_body(&bytes);
        assert!(verify_record(key.public_key(), &record, &body_signature).is_err());
        verify_body(key.public_key(), &bytes, &body_signature).unwrap();
        assert!(verify_body(key.public_key(), b"other", &body_signature).is_err());
    }

    #[test]
    fn public_keys_are_checked() {
        let (key, _) = DeviceKey::generate().unwrap();
        assert_eq!(
            parse_public_key(&key.public_key_hex()).unwrap(),
            key.public_key()
        );
        assert!(parse_public_key("abcd").is_err());
        assert!(parse_public_key("xyz").is_err());
        assert!(DeviceKey::from_pkcs8(b"not a key").is_err());
    }

    #[test]
    fn weak_and_malformed_public_keys_are_refused() {
        let (key, _) = DeviceKey::generate().unwrap();
        let good = hex::encode(key.public_key());
        assert_eq!(parse_public_key(&good).unwrap(), key.public_key());

        // The identity point (order 1) and the point of order 2 (y = -1).
        let identity = format!("01{}", "00".repeat(31));
        let mut minus_one = vec![0xffu8; 32];
        minus_one[0] = 0xec;
        minus_one[31] = 0x7f;
        for weak in [identity, hex::encode(minus_one)] {
            let err = parse_public_key(&weak).unwrap_err().to_string();
            assert!(err.contains("small order"), "{weak}: {err}");
        }
        assert!(parse_public_key("abcd")
            .unwrap_err()
            .to_string()
            .contains("bytes"));
        assert!(parse_public_key("zz").is_err());
    }
}
