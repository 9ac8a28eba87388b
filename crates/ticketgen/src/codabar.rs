//! NW-7 (Codabar) encoder: characters to bar and space widths.
//!
//! Each character is seven elements, bar first (bar, space, bar, space, bar, space, bar),
//! two or three of them wide; characters are separated by one narrow space.

use crate::error::GenError;

/// Wide-element flags per character, bar first; bit 6 is the first element.
const TABLE: [(char, u8); 20] = [
    ('0', 0b000_0011),
    ('1', 0b000_0110),
    ('2', 0b000_1001),
    ('3', 0b110_0000),
    ('4', 0b001_0010),
    ('5', 0b100_0010),
    ('6', 0b010_0001),
    ('7', 0b010_0100),
    ('8', 0b011_0000),
    ('9', 0b100_1000),
    ('-', 0b000_1100),
    ('$', 0b001_1000),
    (':', 0b100_0101),
    ('/', 0b101_0001),
    ('.', 0b101_0100),
    ('+', 0b001_0101),
    ('A', 0b001_1010),
    ('B', 0b010_1001),
    ('C', 0b000_1011),
    ('D', 0b000_1110),
];

/// Which of a character's seven elements are wide, bar first; `None` if NW-7 cannot encode it.
pub fn wide_elements(c: char) -> Option<[bool; 7]> {
    let upper = c.to_ascii_uppercase();
    let (_, bits) = TABLE.iter().find(|(k, _)| *k == upper)?;
    let mut wide = [false; 7];
    for (i, flag) in wide.iter_mut().enumerate() {
        *flag = bits & (1 << (6 - i)) != 0;
    }
    Some(wide)
}

fn is_guard(c: char) -> bool {
    matches!(c.to_ascii_uppercase(), 'A' | 'B' | 'C' | 'D')
}

/// Element widths in narrow-bar units, alternating bar, space, bar, … (first and last are bars).
/// The payload must start and end with a start/stop letter A–D and hold none inside.
pub fn element_widths(payload: &str, wide_ratio: f32) -> Result<Vec<f32>, GenError> {
    let fail = |reason: String| GenError::Codabar {
        payload: payload.to_string(),
        reason,
    };
    if !(2.0..=3.0).contains(&wide_ratio) {
        return Err(fail(format!(
            "wide/narrow ratio {wide_ratio} is outside 2.0–3.0"
        )));
    }
    let chars: Vec<char> = payload.chars().collect();
    match (chars.first(), chars.last()) {
        (Some(&first), Some(&last)) if chars.len() >= 3 && is_guard(first) && is_guard(last) => {}
        _ => {
            return Err(fail(
                "must start and end with a start/stop letter A–D around at least one character"
                    .into(),
            ))
        }
    }
    let mut widths = Vec::with_capacity(chars.len() * 8);
    for (i, &c) in chars.iter().enumerate() {
        let inner = i > 0 && i + 1 < chars.len();
        if inner && is_guard(c) {
            return Err(fail(format!(
                "start/stop letter {c:?} at position {}",
                i + 1
            )));
        }
        let wide = wide_elements(c)
            .ok_or_else(|| fail(format!("character {c:?} at position {} is not NW-7", i + 1)))?;
        if i > 0 {
            widths.push(1.0); // inter-character gap
        }
        widths.extend(wide.iter().map(|&w| if w { wide_ratio } else { 1.0 }));
    }
    Ok(widths)
}

/// The code as modules, wide elements two modules: `true` = bar. Handy to compare with published tables.
pub fn modules(payload: &str) -> Result<Vec<bool>, GenError> {
    let widths = element_widths(payload, 2.0)?;
    let mut out = Vec::new();
    for (i, w) in widths.iter().enumerate() {
        let n = if *w > 1.5 { 2 } else { 1 };
        out.extend(std::iter::repeat_n(i % 2 == 0, n));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module_string(c: char) -> String {
        let wide = wide_elements(c).unwrap();
        let mut s = String::new();
        for (i, w) in wide.iter().enumerate() {
            let mark = if i % 2 == 0 { '1' } else { '0' };
            s.push(mark);
            if *w {
                s.push(mark);
            }
        }
        s
    }

    #[test]
    fn known_characters_match_the_published_table() {
        // Module patterns as printed in the Codabar specification tables (1 = bar module).
        let expected = [
            ('0', "101010011"),
            ('1', "101011001"),
            ('3', "110010101"),
            ('7', "100101101"),
            ('9', "110100101"),
            ('-', "101001101"),
            (':', "1101011011"),
            ('+', "1011011011"),
            ('A', "1011001001"),
            ('B', "1001001011"),
            ('C', "1010010011"),
            ('D', "1010011001"),
        ];
        for (c, pattern) in expected {
            assert_eq!(module_string(c), pattern, "character {c}");
        }
        assert_eq!(module_string('a'), module_string('A'));
    }

    #[test]
    fn every_character_has_four_bars_and_two_or_three_wide() {
        for (c, _) in TABLE {
            let wide = wide_elements(c).unwrap();
            let count = wide.iter().filter(|&&w| w).count();
            assert!(count == 2 || count == 3, "{c}: {count} wide");
        }
        let digits: Vec<_> = ('0'..='9').map(|c| wide_elements(c).unwrap()).collect();
        for (i, a) in digits.iter().enumerate() {
            for b in &digits[i + 1..] {
                assert_ne!(a, b, "two digits share a pattern");
            }
        }
    }

    #[test]
    fn payload_layout_and_refusals() {
        let widths = element_widths("A0123456789B", 3.0).unwrap();
        // 12 characters of 7 elements plus 11 gaps; bars at even indices, so odd count.
        assert_eq!(widths.len(), 12 * 7 + 11);
        let wide = widths.iter().filter(|&&w| w == 3.0).count();
        assert_eq!(wide, 10 * 2 + 3 + 3);
        assert_eq!(modules("A1A").unwrap().len(), 10 + 1 + 9 + 1 + 10);
        assert!(element_widths("0123", 3.0).is_err());
        assert!(element_widths("A01A23A", 3.0).is_err());
        assert!(element_widths("A0x1A", 3.0).is_err());
        assert!(element_widths("A01A", 4.0).is_err());
    }
}
