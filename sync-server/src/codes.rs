//! One-time activation codes and municipality tokens: random, shown once, stored only as hashes.

use chrono::TimeDelta;
use ring::digest;
use ring::rand::{SecureRandom, SystemRandom};

/// How long an activation code works after it is issued.
pub const ACTIVATION_CODE_LIFETIME: TimeDelta = TimeDelta::hours(72);

/// Symbols of an activation code: no 0/O, 1/I to misread when typed from paper. 32 symbols,
/// so a random byte modulo 32 is unbiased; 16 symbols carry 80 bits.
const ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const CODE_SYMBOLS: usize = 16;

#[derive(Debug, thiserror::Error)]
#[error("the system random source failed")]
pub struct RandomError;

/// A new activation code, e.g. `K7QM-2XPA-9RTB-WC4E`.
pub fn new_activation_code() -> Result<String, RandomError> {
    let mut bytes = [0u8; CODE_SYMBOLS];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| RandomError)?;
    let symbols: Vec<char> = bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(b % 32)]))
        .collect();
    Ok(symbols
        .chunks(4)
        .map(|group| group.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-"))
}

/// A new bearer token for a municipality's staff: 32 random bytes, hex.
pub fn new_token() -> Result<String, RandomError> {
    let mut bytes = [0u8; 32];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| RandomError)?;
    Ok(hex::encode(bytes))
}

/// The form a code is compared in: upper case, without separators or spaces.
pub fn normalise_code(code: &str) -> String {
    code.chars()
        .filter(|c| !matches!(c, '-' | ' ' | '\u{3000}'))
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// What the store keeps of a code or token: SHA-256 of its normalised form, hex.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(digest::digest(
        &digest::SHA256,
        normalise_code(secret).as_bytes(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_grouped_random_and_typo_tolerant() {
        let a = new_activation_code().unwrap();
        let b = new_activation_code().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 19);
        assert_eq!(a.split('-').count(), 4);
        assert!(normalise_code(&a).bytes().all(|c| ALPHABET.contains(&c)));
        assert_eq!(
            secret_hash(&a),
            secret_hash(&a.to_lowercase().replace('-', " "))
        );
        assert_ne!(secret_hash(&a), secret_hash(&b));
    }
}
