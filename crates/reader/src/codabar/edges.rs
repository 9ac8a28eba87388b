//! Bar and space widths along one scan line: edges at threshold crossings or gradient peaks.

use super::THRESHOLD_RADIUS;

/// Widths of alternating dark and light runs, with edges placed where the profile crosses its
/// local mean; the first run is dark. Light runs before the first bar are returned separately.
pub(super) fn runs(profile: &[f32]) -> Vec<f32> {
    let n = profile.len();
    let mut prefix = Vec::with_capacity(n + 1);
    prefix.push(0.0f64);
    for &v in profile {
        let last = prefix[prefix.len() - 1];
        prefix.push(last + f64::from(v));
    }
    let threshold: Vec<f32> = (0..n)
        .map(|i| {
            let lo = i.saturating_sub(THRESHOLD_RADIUS);
            let hi = (i + THRESHOLD_RADIUS + 1).min(n);
            ((prefix[hi] - prefix[lo]) / (hi - lo) as f64) as f32
        })
        .collect();
    let dark = |i: usize| profile[i] < threshold[i];
    // Edge positions (sub-pixel) where dark/light flips.
    let mut edges = vec![0.0f32];
    for i in 1..n {
        if dark(i) != dark(i - 1) {
            let (a, b) = (profile[i - 1] - threshold[i - 1], profile[i] - threshold[i]);
            let t = if (a - b).abs() > f32::EPSILON {
                a / (a - b)
            } else {
                0.5
            };
            edges.push((i - 1) as f32 + t.clamp(0.0, 1.0));
        }
    }
    edges.push(n as f32);
    // Start with a light run (possibly empty) so that runs alternate light, dark, light, ...
    let mut widths: Vec<f32> = edges.windows(2).map(|w| w[1] - w[0]).collect();
    if n > 0 && dark(0) {
        widths.insert(0, 0.0);
    }
    widths
}

/// A gradient peak must reach this share of the mean absolute gradient around it…
const MIN_PEAK_SHARE: f32 = 0.8;
/// …and this many grey levels (over two samples).
const MIN_PEAK_LEVELS: f32 = 5.0;

/// How much of the difference from a blurred copy is added back (unsharp masking).
const SHARPEN_AMOUNT: f32 = 2.5;
/// Radius, in samples, of the triangle blur the sharpening subtracts (about the camera's blur).
const SHARPEN_RADIUS: usize = 3;

/// The profile with its blur partly undone (unsharp masking along the line): narrow bars and
/// spaces that defocus has merged into grey get their contrast back.
pub(super) fn sharpened_profile(profile: &[f32], out: &mut Vec<f32>) {
    let n = profile.len();
    out.clear();
    out.extend((0..n).map(|i| {
        let (mut sum, mut weights) = (0.0f32, 0.0f32);
        for k in 0..=2 * SHARPEN_RADIUS {
            let Some(j) = (i + k).checked_sub(SHARPEN_RADIUS).filter(|j| *j < n) else {
                continue;
            };
            let weight = (SHARPEN_RADIUS + 1 - k.abs_diff(SHARPEN_RADIUS)) as f32;
            sum += weight * profile[j];
            weights += weight;
        }
        profile[i] + SHARPEN_AMOUNT * (profile[i] - sum / weights)
    }));
}

/// Like [`runs`], with edges at the peaks of the smoothed profile's gradient (sub-pixel by a
/// parabola through the peak), alternating falling (bar starts) and rising (bar ends).
pub(super) fn gradient_runs(profile: &[f32]) -> Vec<f32> {
    let n = profile.len();
    if n < 5 {
        return Vec::new();
    }
    let smooth: Vec<f32> = (0..n)
        .map(|i| {
            let (a, c) = (profile[i.saturating_sub(1)], profile[(i + 1).min(n - 1)]);
            0.25 * (a + 2.0 * profile[i] + c)
        })
        .collect();
    let mut gradient = vec![0.0f32; n];
    for i in 1..n - 1 {
        gradient[i] = smooth[i + 1] - smooth[i - 1];
    }
    let mut prefix = Vec::with_capacity(n + 1);
    prefix.push(0.0f32);
    for g in &gradient {
        let last = prefix[prefix.len() - 1];
        prefix.push(last + g.abs());
    }
    // (position, signed strength), alternating in sign, the stronger kept when two agree.
    let mut edges: Vec<(f32, f32)> = Vec::new();
    for i in 2..n - 2 {
        let (before, here, after) = (gradient[i - 1], gradient[i], gradient[i + 1]);
        let peak = (here > 0.0 && here >= before && here > after)
            || (here < 0.0 && here <= before && here < after);
        if !peak {
            continue;
        }
        let lo = i.saturating_sub(THRESHOLD_RADIUS);
        let hi = (i + THRESHOLD_RADIUS + 1).min(n);
        let mean = (prefix[hi] - prefix[lo]) / (hi - lo) as f32;
        if here.abs() < MIN_PEAK_LEVELS.max(MIN_PEAK_SHARE * mean) {
            continue;
        }
        let curvature = before - 2.0 * here + after;
        let offset = if curvature.abs() > f32::EPSILON {
            (0.5 * (before - after) / curvature).clamp(-0.5, 0.5)
        } else {
            0.0
        };
        let edge = (i as f32 + offset, here);
        match edges.last_mut() {
            Some(last) if (last.1 > 0.0) == (here > 0.0) => {
                if here.abs() > last.1.abs() {
                    *last = edge;
                }
            }
            _ => edges.push(edge),
        }
    }
    // Start at the first falling edge (light to dark) so runs go light, dark, light, …
    let first_fall = edges.iter().position(|e| e.1 < 0.0).unwrap_or(edges.len());
    let mut widths = Vec::with_capacity(edges.len() + 1);
    let mut previous = 0.0f32;
    for (position, _) in &edges[first_fall..] {
        widths.push(position - previous);
        previous = *position;
    }
    widths.push(n as f32 - previous);
    widths
}
