//! Where a code starts and ends in a profile: its outer bar edges between quiet zones.

/// The outer edges (samples) of the code between quiet zones around the middle of `profile`,
/// whose code part runs from `core.0` to `core.1` (samples): quiet zones as light stretches,
/// else (a shadow darkens part of the code) as flat ones.
pub(super) fn code_ends(
    profile: &[f32],
    core: (usize, usize),
    samples_per_pixel: f32,
) -> Option<(f32, f32)> {
    ends_by_ink(profile, core, samples_per_pixel)
        .or_else(|| ends_by_flatness(profile, core, samples_per_pixel))
        .map(|(start, end, _)| (start, end))
}

/// A quiet zone is this many times longer than the longest light (or flat) run seen inside the
/// code so far (a wide space or bar), and at least [`MIN_QUIET_PX`].
const QUIET_OVER_INNER: f32 = 2.2;
const MIN_QUIET_PX: f32 = 4.0;

/// Share of the black-to-white range below white at which a sample counts as ink when
/// looking for the code's ends.
const INK_DROP: f32 = 0.3;

/// The outer edges (samples) of the ink between quiet zones around the middle of `profile`,
/// whose code part runs from `core.0` to `core.1` (samples).
fn ends_by_ink(
    profile: &[f32],
    core: (usize, usize),
    samples_per_pixel: f32,
) -> Option<(f32, f32, f32)> {
    let mut sorted = profile.to_vec();
    sorted.sort_by(f32::total_cmp);
    let white = sorted[sorted.len() * 95 / 100];
    let black = sorted[sorted.len() * 3 / 100];
    if white - black < 20.0 {
        return None;
    }
    let level = white - INK_DROP * (white - black);
    let ink: Vec<bool> = profile.iter().map(|v| *v < level).collect();
    // Light runs (start, end) in sample indices.
    let mut light: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < ink.len() {
        if ink[i] {
            i += 1;
            continue;
        }
        let s = i;
        while i < ink.len() && !ink[i] {
            i += 1;
        }
        light.push((s, i));
    }
    let (core_lo, core_hi) = (core.0.min(profile.len()), core.1.min(profile.len()));
    let mut inner = light
        .iter()
        .filter(|(s, e)| *s > core_lo && *e < core_hi)
        .map(|(s, e)| e - s)
        .max()
        .unwrap_or(0) as f32;
    let middle = (core_lo + core_hi) / 2;
    let min_quiet = MIN_QUIET_PX * samples_per_pixel;
    let crossing = |i: usize| -> f32 {
        // Sub-sample position where the profile crosses `level` between i and i+1.
        let (a, b) = (profile[i] - level, profile[i + 1] - level);
        if (a - b).abs() > f32::EPSILON {
            i as f32 + (a / (a - b)).clamp(0.0, 1.0)
        } else {
            i as f32 + 0.5
        }
    };
    // Walk outwards from the middle over light runs until one is a quiet zone.
    let mut start = None;
    for &(s, e) in light.iter().rev().filter(|(_, e)| *e <= middle) {
        let run = (e - s) as f32;
        if (run >= QUIET_OVER_INNER * inner && run >= min_quiet) || s == 0 {
            start = (s > 0 || run >= min_quiet).then(|| crossing(e - 1));
            break;
        }
        inner = inner.max(run);
    }
    let mut end = None;
    for &(s, e) in light.iter().filter(|(s, _)| *s >= middle) {
        let run = (e - s) as f32;
        if (run >= QUIET_OVER_INNER * inner && run >= min_quiet) || e == profile.len() {
            end = (e < profile.len() || run >= min_quiet).then(|| crossing(s - 1));
            break;
        }
        inner = inner.max(run);
    }
    let (start, end) = (start?, end?);
    (end > start).then_some((start, end, white - black))
}

/// A sample is flat when its gradient stays under this share of the code's strong gradients
/// (its 95th percentile). Flatness, unlike brightness, does not change under a shadow.
const FLAT_SHARE: f32 = 0.12;

/// Like [`ends_by_ink`], with quiet zones found as flat stretches of the profile, which a
/// shadow over part of the code does not move; the edges are the gradient peaks of the first
/// falling and last rising edge.
fn ends_by_flatness(
    profile: &[f32],
    core: (usize, usize),
    samples_per_pixel: f32,
) -> Option<(f32, f32, f32)> {
    let n = profile.len();
    let (core_lo, core_hi) = (core.0.min(n), core.1.min(n));
    if n < 8 || core_hi <= core_lo + 4 {
        return None;
    }
    let gradient: Vec<f32> = (0..n)
        .map(|i| 0.5 * (profile[(i + 1).min(n - 1)] - profile[i.saturating_sub(1)]))
        .collect();
    let mut strong: Vec<f32> = gradient[core_lo..core_hi].iter().map(|g| g.abs()).collect();
    strong.sort_by(f32::total_cmp);
    let threshold = (FLAT_SHARE * strong[strong.len() * 95 / 100]).max(0.5);
    // Flat runs (start, end) in sample indices.
    let mut flat: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < n {
        if gradient[i].abs() >= threshold {
            i += 1;
            continue;
        }
        let s = i;
        while i < n && gradient[i].abs() < threshold {
            i += 1;
        }
        flat.push((s, i));
    }
    let quarter = (core_hi - core_lo) / 4;
    let mut inner = flat
        .iter()
        .filter(|(s, e)| *s > core_lo + quarter && *e < core_hi - quarter)
        .map(|(s, e)| e - s)
        .max()
        .unwrap_or(0) as f32;
    let middle = (core_lo + core_hi) / 2;
    let min_quiet = MIN_QUIET_PX * samples_per_pixel;
    let is_quiet = |run: f32, inner: f32| run >= QUIET_OVER_INNER * inner && run >= min_quiet;
    // Walk outwards from the middle over flat runs until one is a quiet zone.
    let mut left_quiet = None;
    for &(s, e) in flat.iter().rev().filter(|(_, e)| *e <= middle) {
        let run = (e - s) as f32;
        if is_quiet(run, inner) {
            left_quiet = Some((s, e));
            break;
        }
        inner = inner.max(run);
    }
    let mut right_quiet = None;
    for &(s, e) in flat.iter().filter(|(s, _)| *s >= middle) {
        let run = (e - s) as f32;
        if is_quiet(run, inner) {
            right_quiet = Some((s, e));
            break;
        }
        inner = inner.max(run);
    }
    let (left_quiet, right_quiet) = (left_quiet?, right_quiet?);
    // Sub-sample position of a gradient extremum at i (a parabola through three samples).
    let peak = |i: usize| -> f32 {
        let (a, b, c) = (gradient[i - 1], gradient[i], gradient[i + 1]);
        let curvature = a - 2.0 * b + c;
        let offset = if curvature.abs() > f32::EPSILON {
            (0.5 * (a - c) / curvature).clamp(-0.5, 0.5)
        } else {
            0.0
        };
        i as f32 + offset
    };
    let first_fall = (left_quiet.1.max(1)..right_quiet.0.min(n - 1)).find(|&i| {
        gradient[i] <= -threshold
            && gradient[i] <= gradient[i - 1]
            && gradient[i] <= gradient[i + 1]
    })?;
    let last_rise = (left_quiet.1.max(1)..right_quiet.0.min(n - 1))
        .rev()
        .find(|&i| {
            gradient[i] >= threshold
                && gradient[i] >= gradient[i - 1]
                && gradient[i] >= gradient[i + 1]
        })?;
    let (start, end) = (peak(first_fall), peak(last_rise));
    if end <= start {
        return None;
    }
    let mut paper: Vec<f32> = profile[left_quiet.0..left_quiet.1]
        .iter()
        .chain(&profile[right_quiet.0..right_quiet.1])
        .copied()
        .collect();
    paper.sort_by(f32::total_cmp);
    let mut code: Vec<f32> = profile[first_fall..=last_rise].to_vec();
    code.sort_by(f32::total_cmp);
    let contrast = paper[paper.len() / 2] - code[code.len() * 3 / 100];
    (contrast > 20.0).then_some((start, end, contrast))
}
