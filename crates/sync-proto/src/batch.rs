//! Checking the record signatures of one upload together.
//!
//! Every record in an upload is signed by the same device key, so the server checks them as one
//! Ed25519 batch (ed25519-zebra: random linear combination, terms of the one key coalesced),
//! several times cheaper per signature than checking each alone. The batch follows ZIP 215,
//! which accepts every signature that the one-at-a-time check (ring, RFC 8032) accepts; the
//! only signatures it accepts beyond those (non-canonical point encodings, small-order
//! components) cannot be made without the device's private key. When the batch fails, each
//! signature is checked alone with ring, so a bad signature is named and refused by itself.

use ed25519_zebra::{batch, Signature, VerificationKeyBytes};
use rand_core::{CryptoRng, OsRng, RngCore};

use crate::signing::{record_message, verify_bytes, SignatureError, PUBLIC_KEY_LEN};

const SIGNATURE_LEN: usize = 64;

/// Checks record signatures made by one device, each over its record's canonical bytes
/// ([`crate::canonical_bytes`]); `items` are (canonical bytes, hex signature). One result per
/// item, in order, the same as [`crate::verify_record`] gives for each.
pub fn verify_records_batch(
    public_key: &[u8],
    items: &[(&[u8], &str)],
) -> Vec<Result<(), SignatureError>> {
    let messages: Vec<Vec<u8>> = items
        .iter()
        .map(|(canonical, _)| record_message(canonical))
        .collect();
    let signatures: Vec<Result<[u8; SIGNATURE_LEN], SignatureError>> = items
        .iter()
        .map(|(_, hex_text)| decode_signature(hex_text))
        .collect();
    if batch_verifies(public_key, &messages, &signatures) {
        return signatures.into_iter().map(|s| s.map(drop)).collect();
    }
    messages
        .iter()
        .zip(signatures)
        .map(|(message, signature)| verify_bytes(public_key, message, &signature?))
        .collect()
}

/// Hex to the 64 signature bytes; a signature of another length can never verify.
fn decode_signature(hex_text: &str) -> Result<[u8; SIGNATURE_LEN], SignatureError> {
    let text = hex_text.as_bytes();
    if text.len() != 2 * SIGNATURE_LEN {
        // Rare: tell text that is no hex at all from hex of the wrong length.
        let bytes = hex::decode(hex_text).map_err(|_| SignatureError::NotHex)?;
        return <[u8; SIGNATURE_LEN]>::try_from(bytes.as_slice())
            .map_err(|_| SignatureError::Invalid);
    }
    // Straight into the array: no allocation, one table look-up per digit.
    let mut out = [0u8; SIGNATURE_LEN];
    for (byte, pair) in out.iter_mut().zip(text.chunks_exact(2)) {
        let (high, low) = (
            HEX_VALUE[usize::from(pair[0])],
            HEX_VALUE[usize::from(pair[1])],
        );
        if high == NOT_HEX || low == NOT_HEX {
            return Err(SignatureError::NotHex);
        }
        *byte = (high << 4) | low;
    }
    Ok(out)
}

/// Marks a byte that is no hex digit in [`HEX_VALUE`].
const NOT_HEX: u8 = 0xff;

/// The value of each byte as a hex digit (either case), or [`NOT_HEX`].
const HEX_VALUE: [u8; 256] = {
    let mut table = [NOT_HEX; 256];
    let mut i = 0;
    while i < 10 {
        table[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        table[b'a' as usize + i] = 10 + i as u8;
        table[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    table
};

/// True when there is at least one well-formed signature and all of them verify as a batch.
/// False means only that some signature may be bad; the caller then checks each alone.
fn batch_verifies(
    public_key: &[u8],
    messages: &[Vec<u8>],
    signatures: &[Result<[u8; SIGNATURE_LEN], SignatureError>],
) -> bool {
    let Ok(key) = <[u8; PUBLIC_KEY_LEN]>::try_from(public_key) else {
        return false;
    };
    let key = VerificationKeyBytes::from(key);
    let mut verifier = batch::Verifier::new();
    let mut queued = 0usize;
    for (message, signature) in messages.iter().zip(signatures) {
        if let Ok(bytes) = signature {
            verifier.queue((key, Signature::from_bytes(bytes), message));
            queued += 1;
        }
    }
    queued > 0
        && verifier
            .verify(PrefetchedRandom::new(queued * COEFFICIENT_BYTES))
            .is_ok()
}

/// Random bytes the batch check draws per signature (a 128-bit coefficient).
const COEFFICIENT_BYTES: usize = 16;

/// The batch's random coefficients read from the operating system in one call: with `OsRng`
/// each signature's 16 bytes were a system call of their own. Every byte is handed out once;
/// past the bytes read ahead, or when reading ahead failed, it draws from `OsRng` as before.
struct PrefetchedRandom {
    bytes: Vec<u8>,
    next: usize,
}

impl PrefetchedRandom {
    fn new(len: usize) -> Self {
        let mut bytes = vec![0u8; len];
        if OsRng.try_fill_bytes(&mut bytes).is_err() {
            bytes.clear();
        }
        Self { bytes, next: 0 }
    }

    /// The next `len` bytes read ahead, each only once; None when too few are left.
    fn take(&mut self, len: usize) -> Option<&[u8]> {
        let end = self.next.checked_add(len)?;
        let fresh = self.bytes.get(self.next..end)?;
        self.next = end;
        Some(fresh)
    }
}

impl RngCore for PrefetchedRandom {
    fn next_u32(&mut self) -> u32 {
        rand_core::impls::next_u32_via_fill(self)
    }

    fn next_u64(&mut self) -> u64 {
        rand_core::impls::next_u64_via_fill(self)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        match self.take(dest.len()) {
            Some(fresh) => dest.copy_from_slice(fresh),
            None => OsRng.fill_bytes(dest),
        }
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        match self.take(dest.len()) {
            Some(fresh) => {
                dest.copy_from_slice(fresh);
                Ok(())
            }
            None => OsRng.try_fill_bytes(dest),
        }
    }
}

// Its bytes come from the operating system's CSPRNG, as OsRng's do.
impl CryptoRng for PrefetchedRandom {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canonical::canonical_bytes;
    use crate::canonical::tests::sample;
    use crate::signing::{verify_record, DeviceKey};
    use vrs_record::{Uuid, VaccinationRecord};

    fn records(count: usize) -> Vec<VaccinationRecord> {
        (0..count)
            .map(|_| VaccinationRecord {
                id: Uuid::now_v7(),
                ..sample()
            })
            .collect()
    }

    fn check(
        key: &[u8],
        records: &[VaccinationRecord],
        signatures: &[String],
    ) -> Vec<Result<(), SignatureError>> {
        let canonical: Vec<Vec<u8>> = records.iter().map(canonical_bytes).collect();
        let items: Vec<(&[u8], &str)> = canonical
            .iter()
            .zip(signatures)
            .map(|(c, s)| (c.as_slice(), s.as_str()))
            .collect();
        verify_records_batch(key, &items)
    }

    #[test]
    fn a_good_batch_passes_and_each_bad_signature_is_named_alone() {
        let (key, _) = DeviceKey::generate().unwrap();
        let records = records(40);
        let mut signatures: Vec<String> = records.iter().map(|r| key.sign_record(r)).collect();
        assert!(check(key.public_key(), &records, &signatures)
            .iter()
            .all(Result::is_ok));

        // One signature of another record, one not hex, one too short, one flipped bit.
        signatures[3] = key.sign_record(&records[4]);
        signatures[7] = "zz".into();
        signatures[11] = "abcd".into();
        let mut flipped = hex::decode(&signatures[20]).unwrap();
        flipped[10] ^= 1;
        signatures[20] = hex::encode(flipped);
        let results = check(key.public_key(), &records, &signatures);
        for (index, result) in results.iter().enumerate() {
            let alone = verify_record(key.public_key(), &records[index], &signatures[index]);
            assert_eq!(result, &alone, "record {index}");
            let expected_ok = ![3, 7, 11, 20].contains(&index);
            assert_eq!(result.is_ok(), expected_ok, "record {index}");
        }
        assert_eq!(results[7], Err(SignatureError::NotHex));
    }

    #[test]
    fn another_devices_key_passes_nothing() {
        let (key, _) = DeviceKey::generate().unwrap();
        let (other, _) = DeviceKey::generate().unwrap();
        let records = records(10);
        let signatures: Vec<String> = records.iter().map(|r| key.sign_record(r)).collect();
        assert!(check(other.public_key(), &records, &signatures)
            .iter()
            .all(|r| r == &Err(SignatureError::Invalid)));
        assert!(check(&[1, 2, 3], &records, &signatures)
            .iter()
            .all(Result::is_err));
    }

    #[test]
    fn signatures_decode_as_the_hex_crate_does() {
        let good = hex::encode((0..64u8).map(|b| b.wrapping_mul(37)).collect::<Vec<u8>>());
        let upper = good.to_uppercase();
        let mut not_hex = good.clone();
        not_hex.replace_range(10..11, "g");
        let mut non_ascii = good.clone();
        non_ascii.replace_range(0..3, "é0");
        for text in [
            good,
            upper,
            not_hex,
            non_ascii,
            "ab".repeat(63),
            "zz".into(),
        ] {
            let expected = match hex::decode(&text) {
                Err(_) => Err(SignatureError::NotHex),
                Ok(bytes) => {
                    <[u8; SIGNATURE_LEN]>::try_from(bytes).map_err(|_| SignatureError::Invalid)
                }
            };
            assert_eq!(decode_signature(&text), expected, "{text}");
        }
    }

    #[test]
    fn read_ahead_randomness_is_handed_out_once_then_drawn_afresh() {
        let mut random = PrefetchedRandom::new(2 * COEFFICIENT_BYTES);
        let read_ahead = random.bytes.clone();
        let mut draws = [[0u8; COEFFICIENT_BYTES]; 3];
        for draw in &mut draws {
            random.fill_bytes(draw);
        }
        // The first two are the bytes read ahead, in order, each used once.
        assert_eq!(draws[..2].concat(), read_ahead);
        assert_ne!(draws[0], draws[1]);
        // The third comes from the operating system, not from bytes already handed out.
        assert!(draws[2] != draws[0] && draws[2] != draws[1]);
        assert_ne!(draws[2], [0u8; COEFFICIENT_BYTES]);
    }

    #[test]
    fn an_empty_batch_gives_no_results() {
        let (key, _) = DeviceKey::generate().unwrap();
        assert!(verify_records_batch(key.public_key(), &[]).is_empty());
    }
}
