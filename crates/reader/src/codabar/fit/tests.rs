//! The model fit on profiles made without its model.

use super::*;

/// Element widths (narrow units) of a Codabar text, gaps included, bar first.
fn elements(text: &str, ratio: f32) -> Vec<f32> {
    let mut out = Vec::new();
    for (i, c) in text.bytes().enumerate() {
        if i > 0 {
            out.push(1.0);
        }
        let index = SYMBOLS.iter().position(|s| *s == c).unwrap();
        for bit in (0..7).rev() {
            let wide = (PATTERNS[index] >> bit) & 1 == 1;
            out.push(if wide { ratio } else { 1.0 });
        }
    }
    out
}

/// A profile as a blurred camera sees it, made without the fit's model: the code drawn at
/// 32 points a sample with each narrow unit growing by `growth` along the code (perspective),
/// blurred by a discrete Gaussian, averaged per sample, with pseudo-random noise.
/// Returns the profile and where the first and last bar edges lie (samples).
fn camera_profile(text: &str, narrow: f32, growth: f32, sigma: f32) -> (Vec<f32>, f32, f32) {
    moving_camera_profile(text, narrow, growth, sigma, 0)
}

/// [`camera_profile`] taken while the camera moved `motion` samples along the code: the
/// Gaussian kernel is smeared by a box of that length.
fn moving_camera_profile(
    text: &str,
    narrow: f32,
    growth: f32,
    sigma: f32,
    motion: usize,
) -> (Vec<f32>, f32, f32) {
    const FINE: usize = 32;
    let widths = elements(text, 2.7);
    let quiet = 14.0 * narrow;
    let mut edges = Vec::new();
    let mut x = quiet;
    for (i, w) in widths.iter().enumerate() {
        let local = narrow * (1.0 + growth * i as f32 / widths.len() as f32);
        edges.push((x, i % 2 == 0));
        x += w * local;
    }
    let end = x;
    let samples = (end + quiet).ceil() as usize;
    let ink = |p: f32| -> f32 {
        let mut dark = false;
        for (at, bar) in &edges {
            if p >= *at {
                dark = *bar;
            }
        }
        if p >= end {
            dark = false;
        }
        if dark {
            1.0
        } else {
            0.0
        }
    };
    let fine: Vec<f32> = (0..samples * FINE)
        .map(|i| ink((i as f32 + 0.5) / FINE as f32))
        .collect();
    let lens: Vec<f32> = (-(4.0 * sigma * FINE as f32) as i64..=(4.0 * sigma * FINE as f32) as i64)
        .map(|k| (-0.5 * (k as f32 / (sigma * FINE as f32)).powi(2)).exp())
        .collect();
    // The box of the motion, one fine point wide when the camera stood still.
    let box_len = (motion * FINE).max(1);
    let mut kernel = vec![0.0f32; lens.len() + box_len - 1];
    for (i, weight) in lens.iter().enumerate() {
        for slot in &mut kernel[i..i + box_len] {
            *slot += weight;
        }
    }
    let radius = (kernel.len() / 2) as i64;
    let total: f32 = kernel.iter().sum();
    let mut seed = 12_345u32;
    let profile = (0..samples)
        .map(|s| {
            let mut coverage = 0.0;
            for f in 0..FINE {
                let centre = (s * FINE + f) as i64;
                for (k, weight) in kernel.iter().enumerate() {
                    let j = centre + k as i64 - radius;
                    if j >= 0 && (j as usize) < fine.len() {
                        coverage += weight * fine[j as usize];
                    }
                }
            }
            coverage /= total * FINE as f32;
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let noise = ((seed >> 16) % 7) as f32 - 3.0;
            200.0 - 170.0 * coverage + noise
        })
        .collect();
    (profile, quiet, end)
}

#[test]
fn a_blurred_code_with_perspective_is_read_by_the_fit() {
    // Narrow bars 1.6 px at 2 samples a pixel, blur 1.3 px, 12 % wider at the far end.
    let text = "A111310160000012345B";
    let (profile, start, end) = camera_profile(text, 3.2, 0.12, 2.6);
    let geometry = fit_geometry(&profile, start + 0.7, end - 0.7, 2.0).unwrap();
    let read = read_fitted(&profile, &geometry).unwrap();
    assert_eq!(read.payload, "111310160000012345");
    assert!(is_clear(&read), "{read:?}");
}

#[test]
fn a_code_read_right_to_left_is_turned_round() {
    let (mut profile, start, end) = camera_profile("C0093013880D", 4.0, 0.0, 2.0);
    profile.reverse();
    let n = profile.len() as f32;
    let geometry = fit_geometry(&profile, n - end, n - start, 2.0).unwrap();
    let read = read_fitted(&profile, &geometry).unwrap();
    assert_eq!(read.payload, "0093013880");
    assert!(is_clear(&read), "{read:?}");
}

#[test]
fn a_symbol_between_two_digits_is_not_clear() {
    // Two codes that differ in one digit, blended half and half: that digit fits '3' and
    // '8' equally, so no value may be reported, although the rest reads cleanly.
    let (a, start, end) = camera_profile("A0000012345B", 4.0, 0.0, 2.0);
    let (b, _, _) = camera_profile("A0000018345B", 4.0, 0.0, 2.0);
    let blend: Vec<f32> = a.iter().zip(&b).map(|(x, y)| 0.5 * (x + y)).collect();
    let geometry = fit_geometry(&blend, start, end, 2.0).unwrap();
    let read = read_fitted(&blend, &geometry).unwrap();
    assert!(!is_clear(&read), "{read:?}");
    // The same geometry on a clean copy reads clearly: the rejection is the blend's.
    let clean = read_fitted(&a, &geometry).unwrap();
    assert!(is_clear(&clean), "{clean:?}");
}

#[test]
fn flat_paper_or_a_cut_code_gives_no_clear_read() {
    let paper = vec![200.0f32; 800];
    assert!(fit_geometry(&paper, 100.0, 600.0, 2.0)
        .and_then(|g| read_fitted(&paper, &g))
        .is_none_or(|r| !is_clear(&r)));
    let (profile, start, end) = camera_profile("A0000012345B", 4.0, 0.0, 2.0);
    let cut = &profile[..(start + 0.6 * (end - start)) as usize];
    let fitted =
        fit_geometry(cut, start, cut.len() as f32 - 1.0, 2.0).and_then(|g| read_fitted(cut, &g));
    assert!(fitted.as_ref().is_none_or(|r| !is_clear(r)), "{fitted:?}");
}

#[test]
fn reversing_a_pattern_twice_gives_it_back() {
    for pattern in PATTERNS {
        assert_eq!(reversed(reversed(pattern)), pattern);
    }
    // Digits read backwards are digits; start/stop letters are not letters.
    for digit in &PATTERNS[..10] {
        assert!(PATTERNS[..10].contains(&reversed(*digit)));
    }
    for guard in &PATTERNS[16..] {
        assert!(!PATTERNS[16..].contains(&reversed(*guard)));
    }
}

#[test]
fn a_code_much_wider_at_one_end_is_read_by_the_fit() {
    // Strong keystone along the code: a lightly blurred code warped through the perspective
    // a tilted camera gives, its narrow width 1.8 times larger at one end than at the other,
    // beyond the fine perspective search's reach.
    let text = "A111310160000012345B";
    let (flat, start, end) = camera_profile(text, 4.0, 0.0, 1.0);
    let k = 0.35f32;
    let length = end - start;
    let warped: Vec<f32> = (0..flat.len())
        .map(|y| {
            // Inverse of the fit's map g(t) = (1 + k)t / (1 + kt), outside the code linear.
            let g = (y as f32 - start) / length;
            let t = if (0.0..=1.0).contains(&g) {
                g / (1.0 + k - k * g)
            } else {
                g
            };
            let x = (start + length * t).clamp(0.0, (flat.len() - 2) as f32);
            let (i, f) = (x as usize, x.fract());
            flat[i] * (1.0 - f) + flat[i + 1] * f
        })
        .collect();
    let geometry = fit_geometry(&warped, start + 0.7, end - 0.7, 2.0).unwrap();
    let read = read_fitted(&warped, &geometry).unwrap();
    assert_eq!(read.payload, "111310160000012345");
    assert!(is_clear(&read), "{read:?}");
    let fine = PERSPECTIVE_STEPS as f32 * PERSPECTIVE_STEP;
    assert!(geometry.perspective.abs() > fine, "{geometry:?}");
}

#[test]
fn a_code_smeared_by_a_moving_camera_is_read_by_the_motion_fit() {
    // Narrow bars 1.6 px at 2 samples a pixel, light lens blur, smeared 4.5 px along the code.
    let text = "A111310160000012345B";
    let (profile, start, end) = moving_camera_profile(text, 3.2, 0.0, 1.0, 9);
    let still = fit_geometry(&profile, start + 0.7, end - 0.7, 2.0).unwrap();
    let moving = fit_motion(&profile, &still, 2.0);
    assert!((moving.motion - 9.0).abs() < 2.5, "{moving:?}");
    let read = read_fitted(&profile, &moving).unwrap();
    assert_eq!(read.payload, "111310160000012345");
    assert!(is_clear(&read), "{read:?}");
    // The box fits the smear better than the lens blur alone can.
    let still_read = read_fitted(&profile, &still).unwrap();
    assert!(
        read.relative_rms < still_read.relative_rms,
        "{read:?} {still_read:?}"
    );
}

#[test]
fn the_motion_fit_still_reads_a_code_taken_standing_still() {
    let (profile, start, end) = camera_profile("A0000012345B", 4.0, 0.0, 2.0);
    let still = fit_geometry(&profile, start, end, 2.0).unwrap();
    let moving = fit_motion(&profile, &still, 2.0);
    let read = read_fitted(&profile, &moving).unwrap();
    assert_eq!(read.payload, "0000012345");
    assert!(is_clear(&read), "{read:?}");
}

#[test]
fn perspectives_are_ordered_and_reach_both_ways() {
    let all = perspectives();
    assert!(all.windows(2).all(|w| w[0] < w[1]));
    assert!(all.contains(&0.0));
    let (low, high) = (all[0], all[all.len() - 1]);
    assert!((low + MAX_PERSPECTIVE).abs() < 0.011 && (high - MAX_PERSPECTIVE).abs() < 0.011);
}
