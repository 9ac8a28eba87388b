//! QR finder patterns found in the grey frame by their rings of mean brightness, for frames
//! where blur defeats run-length finders (rxing's and rqrr's look for 1:1:3:1:1 runs across
//! and down a binarized frame; motion blur smears the runs along its direction). A finder is a
//! dark 3×3-module core, a light ring, a dark ring and a light separator: each ring's mean,
//! taken over square annuli with an integral image, stays ordered under blur long after its
//! edges are gone.

use image::GrayImage;

/// A finder pattern's centre and module size, in pixels.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Finder {
    pub centre: [f32; 2],
    pub module: f32,
    /// The smallest brightness step between neighbouring rings (grey levels).
    pub score: f32,
}

/// Module sizes searched, in pixels, and the ratio between steps.
const MODULES: (f32, f32, f32) = (2.0, 14.0, 1.15);
/// A finder's rings must step by at least this many grey levels.
const MIN_STEP: f32 = 10.0;
/// Finders kept, strongest first.
const MAX_FINDERS: usize = 12;

/// Sums over rectangles in O(1).
struct Integral {
    width: usize,
    height: usize,
    sums: Vec<u32>,
}

impl Integral {
    fn new(gray: &GrayImage) -> Integral {
        let (width, height) = (gray.width() as usize, gray.height() as usize);
        // Wrapping sums: a rectangle's sum comes out right modulo 2^32, and no rectangle of
        // a decode-sized frame holds that much.
        let mut sums = vec![0u32; (width + 1) * (height + 1)];
        for (y, pixels) in gray.as_raw().chunks(width.max(1)).enumerate() {
            let mut row = 0u32;
            for (x, pixel) in pixels.iter().enumerate() {
                row = row.wrapping_add(u32::from(*pixel));
                sums[(y + 1) * (width + 1) + x + 1] =
                    sums[y * (width + 1) + x + 1].wrapping_add(row);
            }
        }
        Integral {
            width,
            height,
            sums,
        }
    }

    /// Sum of the square of half-side `half` around (x, y), which the caller keeps inside
    /// the frame.
    fn square(&self, x: usize, y: usize, half: usize) -> f32 {
        let w = self.width + 1;
        let at = |x: usize, y: usize| self.sums[y * w + x];
        let (x0, y0, x1, y1) = (x - half, y - half, x + half, y + half);
        at(x1, y1)
            .wrapping_sub(at(x0, y1))
            .wrapping_sub(at(x1, y0))
            .wrapping_add(at(x0, y0)) as f32
    }

    /// The finder score at (x, y) for the rings' half-sides `halves` (1.5, 2.5, 3.5 and 4.5
    /// modules): the smallest step between the core, the light ring, the dark ring and the
    /// separator, each in the expected direction; `None` where the rings leave the frame.
    fn finder_score(&self, x: usize, y: usize, halves: [usize; 4]) -> Option<f32> {
        let outer = halves[3];
        if x < outer || y < outer || x + outer > self.width || y + outer > self.height {
            return None;
        }
        let area = |h: usize| (4 * h * h) as f32;
        let [core_h, light_h, dark_h, outer_h] = halves;
        let core_sum = self.square(x, y, core_h);
        let light_sum = self.square(x, y, light_h);
        let core = core_sum / area(core_h);
        let light = (light_sum - core_sum) / (area(light_h) - area(core_h));
        // Most places fail here, before the outer rings are summed.
        if light - core < MIN_STEP {
            return Some(light - core);
        }
        let dark_sum = self.square(x, y, dark_h);
        let outer_sum = self.square(x, y, outer_h);
        let dark = (dark_sum - light_sum) / (area(dark_h) - area(light_h));
        let separator = (outer_sum - dark_sum) / (area(outer_h) - area(dark_h));
        Some((light - core).min(light - dark).min(separator - dark))
    }
}

/// The rings' half-sides, in whole pixels, for module size `m`; each ring at least a pixel.
fn ring_halves(m: f32) -> [usize; 4] {
    let core = (1.5 * m).round().max(1.0) as usize;
    let light = ((2.5 * m).round() as usize).max(core + 1);
    let dark = ((3.5 * m).round() as usize).max(light + 1);
    let outer = ((4.5 * m).round() as usize).max(dark + 1);
    [core, light, dark, outer]
}

/// Finder patterns in the frame, strongest first, one per place.
pub(crate) fn find_finders(gray: &GrayImage) -> Vec<Finder> {
    let integral = Integral::new(gray);
    let mut found: Vec<Finder> = Vec::new();
    let mut m = MODULES.0;
    while m <= MODULES.1 {
        found.extend(peaks_at_scale(&integral, m));
        m *= MODULES.2;
    }
    found.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut kept: Vec<Finder> = Vec::new();
    for finder in found {
        let near = kept.iter().any(|k| {
            let d = (k.centre[0] - finder.centre[0]).hypot(k.centre[1] - finder.centre[1]);
            d < 3.0 * k.module.max(finder.module)
        });
        if !near {
            kept.push(finder);
            if kept.len() == MAX_FINDERS {
                break;
            }
        }
    }
    kept
}

/// Local maxima of the score over a grid of steps of 0.6 module, refined to a pixel.
fn peaks_at_scale(integral: &Integral, m: f32) -> Vec<Finder> {
    let halves = ring_halves(m);
    // Steps of 0.6 module land within a third of the core's width of its centre.
    let step = (m * 0.6).max(1.5);
    let columns = (integral.width as f32 / step) as usize;
    let rows = (integral.height as f32 / step) as usize;
    let at = |col: usize, row: usize| {
        (
            (col as f32 * step).round() as usize,
            (row as f32 * step).round() as usize,
        )
    };
    let mut scores = vec![f32::MIN; columns * rows];
    for row in 0..rows {
        for col in 0..columns {
            let (x, y) = at(col, row);
            if let Some(score) = integral.finder_score(x, y, halves) {
                scores[row * columns + col] = score;
            }
        }
    }
    let mut out = Vec::new();
    for row in 1..rows.saturating_sub(1) {
        for col in 1..columns.saturating_sub(1) {
            let score = scores[row * columns + col];
            if score < MIN_STEP {
                continue;
            }
            let is_peak = (row - 1..=row + 1)
                .flat_map(|r| (col - 1..=col + 1).map(move |c| (r, c)))
                .all(|(r, c)| scores[r * columns + c] <= score);
            if is_peak {
                let (x, y) = at(col, row);
                out.push(refine(integral, x, y, m, step.ceil() as usize));
            }
        }
    }
    out
}

/// The best-scoring point within `reach` pixels of (x, y), to a fraction of a pixel (a
/// parabola through the scores either side).
fn refine(integral: &Integral, x: usize, y: usize, m: f32, reach: usize) -> Finder {
    let halves = ring_halves(m);
    let mut best = Finder {
        centre: [x as f32, y as f32],
        module: m,
        score: f32::MIN,
    };
    for py in y.saturating_sub(reach)..=y + reach {
        for px in x.saturating_sub(reach)..=x + reach {
            if let Some(score) = integral.finder_score(px, py, halves) {
                if score > best.score {
                    best = Finder {
                        centre: [px as f32, py as f32],
                        module: m,
                        score,
                    };
                }
            }
        }
    }
    let [bx, by] = best.centre.map(|c| c as usize);
    let score = |x: usize, y: usize| integral.finder_score(x, y, halves);
    let vertex = |before: Option<f32>, after: Option<f32>| match (before, after) {
        (Some(b), Some(a)) => {
            let curve = b + a - 2.0 * best.score;
            if curve < 0.0 {
                (0.5 * (b - a) / curve).clamp(-0.5, 0.5)
            } else {
                0.0
            }
        }
        _ => 0.0,
    };
    if bx > 0 && by > 0 {
        best.centre[0] += vertex(score(bx - 1, by), score(bx + 1, by));
        best.centre[1] += vertex(score(bx, by - 1), score(bx, by + 1));
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{imageops, Luma};

    /// A finder pattern of `module` px modules centred at (cx, cy) on light paper, blurred.
    fn finder_image(cx: f32, cy: f32, module: f32, sigma: f32) -> GrayImage {
        let sharp = GrayImage::from_fn(200, 160, |x, y| {
            let u = ((x as f32 + 0.5 - cx) / module).abs();
            let v = ((y as f32 + 0.5 - cy) / module).abs();
            let ring = u.max(v);
            let dark = ring < 1.5 || (2.5..3.5).contains(&ring);
            Luma([if dark { 40 } else { 210 }])
        });
        imageops::blur(&sharp, sigma)
    }

    #[test]
    fn a_blurred_finder_is_found_at_its_centre_and_size() {
        for (cx, cy, module, sigma) in [(90.0, 70.0, 4.0, 2.0), (101.5, 83.5, 3.0, 1.5)] {
            let finders = find_finders(&finder_image(cx, cy, module, sigma));
            let best = finders.first().unwrap();
            let off = (best.centre[0] - cx).hypot(best.centre[1] - cy);
            assert!(off < 1.0, "{best:?} for ({cx}, {cy})");
            assert!((best.module / module - 1.0).abs() < 0.2, "{best:?}");
        }
    }

    #[test]
    fn flat_paper_has_no_finder() {
        let flat = GrayImage::from_pixel(200, 160, Luma([200]));
        assert!(find_finders(&flat).is_empty());
    }
}
