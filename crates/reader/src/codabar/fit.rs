//! Reading a blurred NW-7 profile by fitting a model of the whole code instead of finding its
//! edges. Every digit has two wide elements and every start/stop letter three, so once the
//! code's ends, the wide/narrow ratio and the perspective are known, each symbol's place is
//! known without reading it. Each place is then matched against every allowed symbol drawn as
//! bars of narrow/wide widths blurred by a Gaussian (the lens) and, where that fails, also
//! smeared along the code (a moving camera; `response`), with its own black and white levels;
//! the geometry and blur are searched to make the whole code fit best. A value is read only
//! when every symbol fits clearly better than its runner-up and the whole fit is close.

use super::{PATTERNS, SYMBOLS};
use response::EdgeResponse;

mod response;

/// Digits the fit reads between the start/stop letters: the ticket number, or the whole line.
pub(super) const DIGIT_COUNTS: [usize; 2] = [10, 18];
/// Each symbol must beat its runner-up by this log-likelihood ratio (noise from the fit; on
/// camera photos reads were right from 30 up and wrong below 2).
const MIN_LOG_ODDS: f32 = 20.0;
/// The fit's RMS error must stay under this share of the bars' contrast.
const MAX_RELATIVE_RMS: f32 = 0.15;
/// The worst-fitting symbol's RMS error may be at most this many times the whole code's
/// (a smudged or ambiguous symbol; on camera photos read right the most seen was 2.3).
const MAX_WORST_SYMBOL_OVER_ALL: f32 = 2.6;
/// Narrow widths (pixels) the fit considers.
const NARROW_PX: (f32, f32) = (0.8, 8.0);

/// Where the code lies in a profile and how it was printed and blurred; positions and blur in
/// samples of the profile, widths in narrow units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Geometry {
    /// Outer edge of the first bar.
    pub start: f32,
    /// Outer edge of the last bar.
    pub end: f32,
    /// Wide/narrow width ratio.
    pub ratio: f32,
    /// Perspective: the map from units to samples is `(1+k)t/(1+kt)` of the code's length.
    pub perspective: f32,
    /// Gaussian blur, samples.
    pub sigma: f32,
    /// Motion blur along the code: the length of the box it averages over, samples (0: none).
    pub motion: f32,
    /// How much wider than drawn the bars printed (ink spread), narrow units.
    pub ink: f32,
    /// Symbols including the start/stop letters.
    pub symbols: usize,
}

impl Geometry {
    fn units(&self) -> f32 {
        let digits = self.symbols.saturating_sub(2) as f32;
        2.0 * guard_units(self.ratio) + digits * digit_units(self.ratio) + (self.symbols - 1) as f32
    }

    /// Sample position of `unit` units from the start.
    fn at(&self, unit: f32) -> f32 {
        let t = unit / self.units();
        let k = self.perspective;
        self.start + (self.end - self.start) * (1.0 + k) * t / (1.0 + k * t)
    }

    /// Unit offset of symbol `index` and its width in units.
    fn slot(&self, index: usize) -> (f32, f32) {
        let (guard, digit) = (guard_units(self.ratio), digit_units(self.ratio));
        if index == 0 {
            return (0.0, guard);
        }
        let offset = guard + 1.0 + (index - 1) as f32 * (digit + 1.0);
        let width = if index + 1 == self.symbols {
            guard
        } else {
            digit
        };
        (offset, width)
    }
}

fn guard_units(ratio: f32) -> f32 {
    4.0 + 3.0 * ratio
}

fn digit_units(ratio: f32) -> f32 {
    5.0 + 2.0 * ratio
}

/// Reverses the seven element flags (a code read right to left).
fn reversed(pattern: u8) -> u8 {
    (0..7).fold(0, |acc, bit| (acc << 1) | ((pattern >> bit) & 1))
}

/// Candidates for the end symbols: A–D as read forwards, then as read backwards.
fn guard_candidates() -> [u8; 8] {
    let mut out = [0u8; 8];
    for i in 0..4 {
        out[i] = PATTERNS[16 + i];
        out[4 + i] = reversed(PATTERNS[16 + i]);
    }
    out
}

/// How one symbol place fits its best and runner-up candidates.
#[derive(Debug, Clone, Copy)]
struct SlotFit {
    best: usize,
    best_error: f32,
    second_error: f32,
    /// Bar darkness of the best candidate's fit (grey levels, positive).
    contrast: f32,
    /// Samples fitted.
    samples: usize,
}

/// Squared error of the least-squares fit `y ≈ a + b·coverage` with bars darker (b < 0),
/// and the darkness −b.
fn affine_error(sums: [f64; 6]) -> (f32, f32) {
    let [n, sy, syy, sb, sbb, syb] = sums;
    let total = syy - sy * sy / n;
    let variance = sbb - sb * sb / n;
    let covariance = syb - sy * sb / n;
    if variance <= 1e-9 || covariance >= 0.0 {
        return (total.max(0.0) as f32, 0.0);
    }
    let error = total - covariance * covariance / variance;
    (error.max(0.0) as f32, (-covariance / variance) as f32)
}

/// Fits every symbol place; `None` when the code runs off the profile.
/// Every `stride`-th sample is used (coarse search stages use fewer).
fn fit_slots(
    profile: &[f32],
    geometry: &Geometry,
    stride: usize,
    out: &mut Vec<SlotFit>,
) -> Option<(f32, usize)> {
    let guards = guard_candidates();
    let digits = &PATTERNS[..10];
    let response = EdgeResponse::new(geometry.sigma.max(0.05), geometry.motion);
    let half_ink = geometry.ink / 2.0;
    out.clear();
    let (mut total, mut samples) = (0.0f32, 0usize);
    let mut bars: Vec<(f32, f32)> = Vec::with_capacity(6);
    let mut edges: Vec<(f32, f32)> = Vec::with_capacity(6);
    for index in 0..geometry.symbols {
        let (offset, width) = geometry.slot(index);
        let first = index == 0;
        let last = index + 1 == geometry.symbols;
        let lo = geometry.at(offset - if first { 1.5 } else { 0.5 });
        let hi = geometry.at(offset + width + if last { 1.5 } else { 0.5 });
        let (lo, hi) = (lo.ceil(), hi.floor());
        if lo < 0.0 || hi >= profile.len() as f32 || hi <= lo {
            return None;
        }
        let (lo, hi) = (lo as usize, hi as usize);
        let candidates: &[u8] = if first || last { &guards } else { digits };
        let mut fit = SlotFit {
            best: 0,
            best_error: f32::MAX,
            second_error: f32::MAX,
            contrast: 0.0,
            samples: (hi - lo) / stride + 1,
        };
        for (c, pattern) in candidates.iter().enumerate() {
            bars.clear();
            if !first {
                // The neighbour's bar beside the gap, taken as narrow (its far edge barely shows).
                bars.push((offset - 2.0, offset - 1.0));
            }
            let mut unit = offset;
            for element in 0..7 {
                let wide = (pattern >> (6 - element)) & 1 == 1;
                let w = if wide { geometry.ratio } else { 1.0 };
                if element % 2 == 0 {
                    bars.push((unit, unit + w));
                }
                unit += w;
            }
            if !last {
                bars.push((unit + 1.0, unit + 2.0));
            }
            edges.clear();
            edges.extend(
                bars.iter()
                    .map(|(l, r)| (geometry.at(l - half_ink), geometry.at(r + half_ink))),
            );
            let mut sums = [0f64; 6];
            for (i, &y) in profile
                .iter()
                .enumerate()
                .take(hi + 1)
                .skip(lo)
                .step_by(stride)
            {
                let x = i as f32;
                let coverage: f32 = edges
                    .iter()
                    .map(|(l, r)| response.step(x - l) - response.step(x - r))
                    .sum();
                let (y, b) = (f64::from(y), f64::from(coverage));
                sums[0] += 1.0;
                sums[1] += y;
                sums[2] += y * y;
                sums[3] += b;
                sums[4] += b * b;
                sums[5] += y * b;
            }
            let (error, contrast) = affine_error(sums);
            if error < fit.best_error {
                fit.second_error = fit.best_error;
                fit = SlotFit {
                    best: c,
                    best_error: error,
                    contrast,
                    ..fit
                };
            } else if error < fit.second_error {
                fit.second_error = error;
            }
        }
        total += fit.best_error;
        samples += fit.samples;
        out.push(fit);
    }
    Some((total, samples))
}

/// The fit's squared error per sample for `geometry`; the largest value where the code runs off
/// the profile.
fn mean_error(
    profile: &[f32],
    geometry: &Geometry,
    stride: usize,
    slots: &mut Vec<SlotFit>,
) -> f32 {
    fit_slots(profile, geometry, stride, slots).map_or(f32::MAX, |(total, n)| total / n as f32)
}

/// A value read by the fit, with how sure it is.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct FitRead {
    /// Digits without start/stop letters, in reading order.
    pub payload: String,
    /// The smallest log-likelihood ratio of a symbol over its runner-up.
    pub weakest_log_odds: f32,
    /// RMS error over the median bar contrast.
    pub relative_rms: f32,
    /// The same for the worst-fitting symbol.
    pub worst_symbol_rms: f32,
    pub geometry: Geometry,
}

/// Searches the geometry that makes the code fit best, for a code whose outer bar edges lie
/// near `start` and `end` (samples) in `profile`, sampled `samples_per_pixel` a pixel; `None`
/// where no code of a ticket's length fits between them.
pub(super) fn fit_geometry(
    profile: &[f32],
    start: f32,
    end: f32,
    samples_per_pixel: f32,
) -> Option<Geometry> {
    let mut slots = Vec::new();
    let mut cost = |g: &Geometry, stride: usize| mean_error(profile, g, stride, &mut slots);
    // Perspective first, finely: with the ends fixed it decides where the middle symbols fall
    // (the ratio mostly moves elements within a symbol). Both digit counts; the better goes on.
    let mut starts: Vec<(f32, Geometry)> = Vec::new();
    for digits in DIGIT_COUNTS {
        let base = Geometry {
            start,
            end,
            ratio: 2.75,
            perspective: 0.0,
            sigma: samples_per_pixel,
            motion: 0.0,
            ink: 0.05,
            symbols: digits + 2,
        };
        let narrow_px = (end - start) / base.units() / samples_per_pixel;
        if !(NARROW_PX.0..=NARROW_PX.1).contains(&narrow_px) {
            continue;
        }
        for perspective in perspectives() {
            let trial = Geometry {
                perspective,
                ..base
            };
            starts.push((cost(&trial, COARSE_STRIDE), trial));
        }
    }
    let (_, best_start) = starts.iter().min_by(|a, b| a.0.total_cmp(&b.0))?;
    let best_count = best_start.symbols;
    // The deepest local minima over perspective of that count.
    let curve: Vec<(f32, Geometry)> = starts
        .into_iter()
        .filter(|(_, g)| g.symbols == best_count)
        .collect();
    let mut minima: Vec<(f32, Geometry)> = (0..curve.len())
        .filter(|&i| {
            let e = curve[i].0;
            (i == 0 || e <= curve[i - 1].0) && (i + 1 == curve.len() || e <= curve[i + 1].0)
        })
        .map(|i| curve[i])
        .collect();
    minima.sort_by(|a, b| a.0.total_cmp(&b.0));
    minima.truncate(PERSPECTIVE_STARTS);
    let mut best: Option<(f32, Geometry)> = None;
    for (_, mut geometry) in minima {
        let mut error = f32::MAX;
        for step in 0..=10 {
            let trial = Geometry {
                ratio: 2.3 + 0.1 * step as f32,
                ..geometry
            };
            let e = cost(&trial, COARSE_STRIDE);
            if e < error {
                error = e;
                geometry = trial;
            }
        }
        let error = cost(&geometry, 1);
        let error = descend(&mut geometry, error, &mut cost, samples_per_pixel, false);
        if best.is_none_or(|(e, _)| error < e) {
            best = Some((error, geometry));
        }
    }
    best.map(|(_, g)| g)
}

/// Motion blur lengths (pixels along the code) the motion refit starts from…
const MOTION_STARTS_PX: [f32; 5] = [1.5, 3.0, 4.5, 6.0, 8.0];
/// …and the longest it considers.
const MAX_MOTION_PX: f32 = 12.0;

/// Refits `geometry` (found by [`fit_geometry`]) with a motion blur along the code beside the
/// lens blur: a photo taken while the tablet moved smears each edge evenly over the distance
/// moved, which a Gaussian fits badly where bars are narrow. Each start shares the blur the
/// Gaussian found between the two (a box of length m has the variance of a Gaussian of
/// σ² = m²/12).
pub(super) fn fit_motion(profile: &[f32], geometry: &Geometry, samples_per_pixel: f32) -> Geometry {
    let mut slots = Vec::new();
    let mut cost = |g: &Geometry, stride: usize| mean_error(profile, g, stride, &mut slots);
    let variance = geometry.sigma * geometry.sigma;
    let least_sigma = 0.3 * samples_per_pixel;
    let mut best = *geometry;
    let mut error = f32::MAX;
    for px in MOTION_STARTS_PX {
        let motion = px * samples_per_pixel;
        let sigma = (variance - motion * motion / 12.0)
            .max(least_sigma * least_sigma)
            .sqrt();
        let trial = Geometry {
            motion,
            sigma,
            ..*geometry
        };
        let e = cost(&trial, 1);
        if e < error {
            error = e;
            best = trial;
        }
    }
    descend(&mut best, error, &mut cost, samples_per_pixel, true);
    best
}

/// Coordinate descent with shrinking steps from `geometry`, whose cost is `error`; the motion
/// blur is searched too when `with_motion`. Returns the cost reached.
fn descend(
    geometry: &mut Geometry,
    mut error: f32,
    cost: &mut impl FnMut(&Geometry, usize) -> f32,
    samples_per_pixel: f32,
    with_motion: bool,
) -> f32 {
    let mut steps = vec![
        0.5 * samples_per_pixel,
        0.5 * samples_per_pixel,
        0.05,
        0.5 * PERSPECTIVE_STEP,
        0.3 * samples_per_pixel,
        0.1,
    ];
    if with_motion {
        steps.push(0.5 * samples_per_pixel);
    }
    for _ in 0..DESCENT_ROUNDS {
        for (parameter, step) in steps.iter_mut().enumerate() {
            let mut improved = false;
            for direction in [1.0f32, -1.0] {
                let mut trial = *geometry;
                let delta = direction * *step;
                match parameter {
                    0 => trial.start += delta,
                    1 => trial.end += delta,
                    2 => trial.ratio = (trial.ratio + delta).clamp(2.0, 3.6),
                    3 => {
                        trial.perspective =
                            (trial.perspective + delta).clamp(-MAX_PERSPECTIVE, MAX_PERSPECTIVE)
                    }
                    4 => trial.sigma = (trial.sigma + delta).clamp(0.2, 4.0 * samples_per_pixel),
                    5 => trial.ink = (trial.ink + delta).clamp(-0.3, 0.6),
                    _ => {
                        trial.motion =
                            (trial.motion + delta).clamp(0.0, MAX_MOTION_PX * samples_per_pixel)
                    }
                }
                let e = cost(&trial, 1);
                if e < error {
                    error = e;
                    *geometry = trial;
                    improved = true;
                    break;
                }
            }
            if !improved {
                *step *= 0.5;
            }
        }
    }
    error
}

/// Perspective is searched in steps of this size…
const PERSPECTIVE_STEP: f32 = 0.01;
/// …this many steps either side of none…
const PERSPECTIVE_STEPS: i32 = 16;
/// …then in steps twice as large out to this (a narrow width three times larger at one end
/// than at the other: strong keystone along the code).
const MAX_PERSPECTIVE: f32 = 0.5;
/// …and the descent starts from this many of the deepest minima.
const PERSPECTIVE_STARTS: usize = 2;
/// The perspectives of the coarse search, in order: fine near none, coarser beyond.
fn perspectives() -> Vec<f32> {
    let fine = PERSPECTIVE_STEPS as f32 * PERSPECTIVE_STEP;
    let coarse = ((MAX_PERSPECTIVE - fine) / (2.0 * PERSPECTIVE_STEP)).round() as i32;
    let outer = (1..=coarse).map(|i| fine + 2.0 * PERSPECTIVE_STEP * i as f32);
    let mut all: Vec<f32> = (-PERSPECTIVE_STEPS..=PERSPECTIVE_STEPS)
        .map(|step| step as f32 * PERSPECTIVE_STEP)
        .chain(outer.clone())
        .chain(outer.map(|k| -k))
        .collect();
    all.sort_by(f32::total_cmp);
    all
}

/// Rounds of coordinate descent.
const DESCENT_ROUNDS: usize = 4;
/// The grid stages look at every this-many samples.
const COARSE_STRIDE: usize = 2;

/// The value `geometry` reads from `profile`, when every symbol is clear and the code fits.
pub(super) fn read_fitted(profile: &[f32], geometry: &Geometry) -> Option<FitRead> {
    let mut slots = Vec::new();
    let (total, samples) = fit_slots(profile, geometry, 1, &mut slots)?;
    let noise = (total / samples as f32).max(1e-3);
    let mut contrasts: Vec<f32> = slots.iter().map(|s| s.contrast).collect();
    contrasts.sort_by(f32::total_cmp);
    let contrast = contrasts[contrasts.len() / 2];
    if contrast <= 0.0 {
        return None;
    }
    // A symbol that fits worse than the rest is judged against its own error: a smudged or
    // half-seen symbol must not borrow the confidence of the clean ones.
    let slot_noise = |s: &SlotFit| (s.best_error / s.samples.max(1) as f32).max(noise);
    let weakest_log_odds = slots
        .iter()
        .map(|s| (s.second_error - s.best_error) / (2.0 * slot_noise(s)))
        .fold(f32::MAX, f32::min);
    let worst_symbol_rms = slots
        .iter()
        .map(|s| slot_noise(s).sqrt() / contrast)
        .fold(0.0, f32::max);
    let relative_rms = noise.sqrt() / contrast;
    let (first, last) = (slots.first()?.best, slots.last()?.best);
    // Both end symbols must be start/stop letters read the same way round.
    let backwards = match (first < 4, last < 4) {
        (true, true) => false,
        (false, false) => true,
        _ => return None,
    };
    let inner = &slots[1..slots.len() - 1];
    let payload: String = if backwards {
        inner
            .iter()
            .rev()
            .map(|s| {
                let pattern = reversed(PATTERNS[s.best]);
                PATTERNS
                    .iter()
                    .position(|p| *p == pattern)
                    .map_or('?', |i| char::from(SYMBOLS[i]))
            })
            .collect()
    } else {
        inner.iter().map(|s| char::from(SYMBOLS[s.best])).collect()
    };
    Some(FitRead {
        payload,
        weakest_log_odds,
        relative_rms,
        worst_symbol_rms,
        geometry: *geometry,
    })
}

/// Whether a fitted read is sure enough to report.
pub(super) fn is_clear(read: &FitRead) -> bool {
    read.weakest_log_odds >= MIN_LOG_ODDS
        && read.relative_rms <= MAX_RELATIVE_RMS
        && read.worst_symbol_rms <= MAX_WORST_SYMBOL_OVER_ALL * read.relative_rms
}

#[cfg(test)]
mod tests;
