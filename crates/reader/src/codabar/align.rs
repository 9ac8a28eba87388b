//! Lining up the rows of a code before averaging them: under perspective the bars lean
//! differently at the two ends of the code (and the scan angle is only estimated), so each
//! row is shifted, by an amount that changes linearly along it, onto a reference row.

/// Largest shift (samples) looked for at each end.
const MAX_SHIFT: i32 = 4;

/// `rows` shifted onto `reference`: the shift that matches each third of `core` (sample
/// range of the code) best, interpolated linearly along the row.
pub(super) fn aligned(
    rows: Vec<Vec<f32>>,
    reference: &[f32],
    core: (usize, usize),
) -> Vec<Vec<f32>> {
    let n = reference.len();
    let (lo, hi) = (core.0.min(n), core.1.min(n));
    let third = (hi.saturating_sub(lo)) / 3;
    if third < 8 {
        return rows;
    }
    let left = (lo, lo + third);
    let right = (hi - third, hi);
    let centre = |w: (usize, usize)| (w.0 + w.1) as f32 / 2.0;
    let (left_centre, right_centre) = (centre(left), centre(right));
    rows.into_iter()
        .map(|row| {
            let (a, b) = (
                best_shift(&row, reference, left),
                best_shift(&row, reference, right),
            );
            (0..row.len())
                .map(|i| {
                    let t = (i as f32 - left_centre) / (right_centre - left_centre);
                    let at = i as f32 + a + (b - a) * t;
                    interpolate(&row, at)
                })
                .collect()
        })
        .collect()
}

fn interpolate(row: &[f32], at: f32) -> f32 {
    let last = row.len().saturating_sub(1);
    let at = at.clamp(0.0, last as f32);
    let i = (at as usize).min(last);
    let j = (i + 1).min(last);
    let f = at - i as f32;
    row[i] * (1.0 - f) + row[j] * f
}

/// The shift (samples, sub-sample by a parabola) that makes `row` over `window` most like
/// `reference`: `row[i + shift] ≈ reference[i]`.
fn best_shift(row: &[f32], reference: &[f32], window: (usize, usize)) -> f32 {
    let error = |shift: i32| -> f32 {
        (window.0..window.1)
            .map(|i| {
                let j = (i as i64 + i64::from(shift)).clamp(0, row.len() as i64 - 1) as usize;
                (row[j] - reference[i]).powi(2)
            })
            .sum()
    };
    let errors: Vec<f32> = (-MAX_SHIFT..=MAX_SHIFT).map(error).collect();
    let best = errors
        .iter()
        .enumerate()
        .min_by(|a, b| a.1.total_cmp(b.1))
        .map_or(MAX_SHIFT as usize, |(i, _)| i);
    let mut shift = best as f32 - MAX_SHIFT as f32;
    if best > 0 && best + 1 < errors.len() {
        let (a, b, c) = (errors[best - 1], errors[best], errors[best + 1]);
        let curvature = a - 2.0 * b + c;
        if curvature > f32::EPSILON {
            shift += (0.5 * (a - c) / curvature).clamp(-0.5, 0.5);
        }
    }
    shift
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_shifted_and_stretched_is_brought_back() {
        let wave = |x: f32| (x * 0.7).sin() * 50.0 + 120.0 + (x * 0.13).cos() * 20.0;
        let reference: Vec<f32> = (0..300).map(|i| wave(i as f32)).collect();
        // Shifted by 1.5 samples at the left third's centre and −2 at the right third's.
        let (lc, rc) = (50.0f32 + 33.0, 250.0f32 - 33.0);
        let shifted: Vec<f32> = (0..300)
            .map(|i| {
                let t = (i as f32 - lc) / (rc - lc);
                wave(i as f32 - (1.5 + (-2.0 - 1.5) * t))
            })
            .collect();
        let back = aligned(vec![shifted.clone()], &reference, (50, 250));
        let error = |row: &[f32]| -> f32 {
            (60..240)
                .map(|i| (row[i] - reference[i]).abs())
                .sum::<f32>()
                / 180.0
        };
        assert!(
            error(&back[0]) < 0.2 * error(&shifted),
            "{} vs {}",
            error(&back[0]),
            error(&shifted)
        );
    }
}
