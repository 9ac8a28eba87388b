//! QR codes every other decoder misses: motion blur smears the 1:1:3:1:1 runs that rxing's
//! and rqrr's finder searches look for, and a strong keystone puts the far corner of a version
//! 1 code (no alignment pattern, so rxing assumes a parallelogram) a module or more off. Here
//! the finder patterns are found by their rings of brightness (`qr_finder`), the grid is
//! sampled from the grey frame through a perspective whose fourth corner is searched around
//! the parallelogram's, and each grid goes to rxing's bit-matrix decoder, thresholded and with
//! the blur between modules undone (`qr_modules`). Reed–Solomon correction checks each read; a
//! value is reported only when the first two grids that decode read the same value and
//! `accept` (the ticket rules) takes it.

use std::panic::{catch_unwind, AssertUnwindSafe};

use image::GrayImage;
use rxing::qrcode::decoder::qrcode_decoder::decode_bool_array;
use vrs_ticket::payload::qr_digits;
use vrs_ticket::Ticket;

use crate::qr_finder::{find_finders, Finder};
use crate::qr_modules::{deblurred_bits, function_modules};

/// Finder-pattern triples tried, most likely first.
const MAX_SETS: usize = 2;
/// The fourth corner is searched this many quarter modules either way from the
/// parallelogram's: every quarter module within half a module (where blurred codes read at
/// only one or two places), every half module beyond.
const CORNER_REACH: i32 = 8;
/// Share of the fixed modules that must come out their colour at the first grid.
const MIN_FUNCTION_FIT: f32 = 0.6;
/// Grids that must read the same value (the search stops there).
const AGREEING: usize = 2;
/// A ticket's 18 digits fit a version 1 or 2 code at every error-correction level.
const DIMENSIONS: [usize; 2] = [21, 25];

/// Whether a QR payload is a ticket's 18 digits passing the ticket rules.
pub fn plausible_ticket_qr(payload: &str) -> bool {
    qr_digits(payload).is_ok_and(|digits| Ticket::parse(&digits).is_ok())
}

/// A ticket's QR payload read by sampling the grid through a searched perspective.
pub fn grid_decode_qr(gray: &GrayImage, accept: &dyn Fn(&str) -> bool) -> Option<String> {
    finder_sets(gray)
        .iter()
        .take(MAX_SETS)
        .find_map(|set| read_set(gray, set, accept))
}

/// Finder centres (top-left, top-right, bottom-left) and their mean module size in pixels.
struct FinderSet {
    tl: [f32; 2],
    tr: [f32; 2],
    bl: [f32; 2],
    module: f32,
}

/// Triples of finders that can be one code's, strongest first.
fn finder_sets(gray: &GrayImage) -> Vec<FinderSet> {
    let finders = find_finders(gray);
    let mut sets: Vec<(f32, FinderSet)> = Vec::new();
    for (a, first) in finders.iter().enumerate() {
        for (b, second) in finders.iter().enumerate().skip(a + 1) {
            for third in finders.iter().skip(b + 1) {
                if let Some(set) = as_set([first, second, third]) {
                    sets.push((first.score + second.score + third.score, set));
                }
            }
        }
    }
    sets.sort_by(|a, b| b.0.total_cmp(&a.0));
    sets.into_iter().map(|(_, set)| set).collect()
}

/// The three finders as one code's corners: one of them at a near right angle between two
/// legs of similar length, some 14 modules or more long, finders of similar size.
fn as_set(finders: [&Finder; 3]) -> Option<FinderSet> {
    let modules = finders.map(|f| f.module);
    let (small, large) = modules
        .iter()
        .fold((f32::MAX, 0.0f32), |(s, l), m| (s.min(*m), l.max(*m)));
    if large > 1.6 * small {
        return None;
    }
    let module = modules.iter().sum::<f32>() / 3.0;
    (0..3).find_map(|corner| {
        let tl = finders[corner].centre;
        let mut p = finders[(corner + 1) % 3].centre;
        let mut q = finders[(corner + 2) % 3].centre;
        let (u, v) = ([p[0] - tl[0], p[1] - tl[1]], [q[0] - tl[0], q[1] - tl[1]]);
        let (lu, lv) = (u[0].hypot(u[1]), v[0].hypot(v[1]));
        let cos = (u[0] * v[0] + u[1] * v[1]) / (lu * lv);
        let legs_ok = lu.max(lv) < 1.5 * lu.min(lv) && lu.min(lv) > 12.0 * module;
        if cos.abs() > 0.35 || !legs_ok {
            return None;
        }
        // Top-right is clockwise from bottom-left about the top-left finder (y down).
        if u[0] * v[1] - u[1] * v[0] < 0.0 {
            std::mem::swap(&mut p, &mut q);
        }
        Some(FinderSet {
            tl,
            tr: p,
            bl: q,
            module,
        })
    })
}

fn distance(a: [f32; 2], b: [f32; 2]) -> f32 {
    (a[0] - b[0]).hypot(a[1] - b[1])
}

/// The dimensions to try, the one nearer the finders' spacing over their module size first.
fn dimensions(set: &FinderSet) -> [usize; 2] {
    let spacing = (distance(set.tl, set.tr) + distance(set.tl, set.bl)) / 2.0;
    let estimate = spacing / set.module.max(0.1) + 7.0;
    let [small, large] = DIMENSIONS;
    if (estimate - small as f32).abs() <= (estimate - large as f32).abs() {
        [small, large]
    } else {
        [large, small]
    }
}

/// The value the grids of one finder triple read, trying each dimension and corner offset.
fn read_set(gray: &GrayImage, set: &FinderSet, accept: &dyn Fn(&str) -> bool) -> Option<String> {
    for dim in dimensions(set) {
        let span = (dim - 7) as f32;
        // One module along each side, in pixels, from the finder centres.
        let across = [
            (set.tr[0] - set.tl[0]) / span,
            (set.tr[1] - set.tl[1]) / span,
        ];
        let down = [
            (set.bl[0] - set.tl[0]) / span,
            (set.bl[1] - set.tl[1]) / span,
        ];
        let parallelogram = [
            set.tr[0] + set.bl[0] - set.tl[0],
            set.tr[1] + set.bl[1] - set.tl[1],
        ];
        let mut found: Option<(String, usize)> = None;
        for (i, j) in corner_offsets() {
            let (du, dv) = (i as f32 * 0.25, j as f32 * 0.25);
            let br = [
                parallelogram[0] + du * across[0] + dv * down[0],
                parallelogram[1] + du * across[1] + dv * down[1],
            ];
            let Some(map) = Homography::from_square([set.tl, set.tr, br, set.bl]) else {
                continue;
            };
            let Some(values) = grid_values(gray, &map, dim) else {
                continue;
            };
            if (i, j) == (0, 0) && !looks_like_qr(&values, dim) {
                break;
            }
            // Blurred codes read near the parallelogram's corner; undoing blur costs more
            // than sampling, so it is tried only there.
            let deblur = i.abs() <= 2 && j.abs() <= 2;
            for text in decode_values(&values, dim, deblur) {
                match &mut found {
                    Some((value, count)) if *value == text => {
                        *count += 1;
                        if *count == AGREEING {
                            return accept(value).then(|| value.clone());
                        }
                    }
                    // Two grids reading different values: trust neither.
                    Some(_) => return None,
                    None => found = Some((text, 1)),
                }
            }
        }
        if found.is_some() {
            // Read, but not often enough to trust.
            return None;
        }
    }
    None
}

/// Corner offsets in quarter modules, nearest first.
fn corner_offsets() -> Vec<(i32, i32)> {
    let mut out: Vec<(i32, i32)> = (-CORNER_REACH..=CORNER_REACH)
        .flat_map(|i| (-CORNER_REACH..=CORNER_REACH).map(move |j| (i, j)))
        .filter(|(i, j)| (i.abs() <= 2 && j.abs() <= 2) || (i % 2 == 0 && j % 2 == 0))
        .collect();
    out.sort_by_key(|(i, j)| i * i + j * j);
    out
}

/// Each module's value: the mean of five points around its centre; `None` when the grid
/// leaves the frame.
fn grid_values(gray: &GrayImage, map: &Homography, dim: usize) -> Option<Vec<f32>> {
    let span = (dim - 7) as f32;
    let offsets = [
        (0.0, 0.0),
        (-0.2, -0.2),
        (0.2, -0.2),
        (-0.2, 0.2),
        (0.2, 0.2),
    ];
    let mut values = Vec::with_capacity(dim * dim);
    for row in 0..dim {
        for col in 0..dim {
            let mut sum = 0.0;
            for (du, dv) in offsets {
                // Module coordinates relative to the top-left finder's centre, as a fraction of
                // the centres' span.
                let u = (col as f32 + 0.5 + du - 3.5) / span;
                let v = (row as f32 + 0.5 + dv - 3.5) / span;
                let [x, y] = map.apply(u, v)?;
                sum += bilinear(gray, x, y)?;
            }
            values.push(sum / offsets.len() as f32);
        }
    }
    Some(values)
}

/// Halfway between the grid's dark and light levels (its 10th and 90th percentiles).
fn midpoint(values: &[f32]) -> f32 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f32::total_cmp);
    let quantile = |q: f32| sorted[((sorted.len() - 1) as f32 * q) as usize];
    (quantile(0.1) + quantile(0.9)) / 2.0
}

/// Whether most modules the standard fixes come out their colour: three finders that belong
/// to no code, or to another code's corners, fail this.
fn looks_like_qr(values: &[f32], dim: usize) -> bool {
    let threshold = midpoint(values);
    let (mut right, mut total) = (0, 0);
    for (value, known) in values.iter().zip(function_modules(dim)) {
        if let Some(dark) = known {
            total += 1;
            right += usize::from((*value < threshold) == dark);
        }
    }
    right as f32 >= MIN_FUNCTION_FIT * total as f32
}

/// The payloads rxing decodes from the grid thresholded halfway between its dark and light
/// levels, and from the grid with the blur between modules undone.
fn decode_values(values: &[f32], dim: usize, deblur: bool) -> Vec<String> {
    let threshold = midpoint(values);
    let plain: Vec<bool> = values.iter().map(|v| *v < threshold).collect();
    let deblurred = deblur
        .then(|| deblurred_bits(values, dim, threshold))
        .flatten();
    let mut out = Vec::new();
    for bits in [Some(plain), deblurred].into_iter().flatten() {
        let rows: Vec<Vec<bool>> = bits.chunks(dim).map(<[bool]>::to_vec).collect();
        let decoded = catch_unwind(AssertUnwindSafe(|| decode_bool_array(&rows)));
        if let Ok(Ok(result)) = decoded {
            out.push(result.getText().to_string());
        }
    }
    out
}

fn bilinear(gray: &GrayImage, x: f32, y: f32) -> Option<f32> {
    let (width, height) = gray.dimensions();
    if !(x >= 0.0 && y >= 0.0 && x < (width - 1) as f32 && y < (height - 1) as f32) {
        return None;
    }
    // Pixel (i, j) covers [i, i + 1) × [j, j + 1): its value sits at its middle.
    let (x, y) = ((x - 0.5).max(0.0), (y - 0.5).max(0.0));
    let (x0, y0) = (x as u32, y as u32);
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let at = |dx: u32, dy: u32| f32::from(gray.get_pixel(x0 + dx, y0 + dy)[0]);
    let top = at(0, 0) * (1.0 - fx) + at(1, 0) * fx;
    let bottom = at(0, 1) * (1.0 - fx) + at(1, 1) * fx;
    Some(top * (1.0 - fy) + bottom * fy)
}

/// The perspective map from the unit square (corners in the order top-left, top-right,
/// bottom-right, bottom-left) to a quadrilateral.
struct Homography {
    m: [f32; 8],
}

impl Homography {
    fn from_square(quad: [[f32; 2]; 4]) -> Option<Homography> {
        let [[x0, y0], [x1, y1], [x2, y2], [x3, y3]] = quad;
        let (dx1, dx2, sx) = (x1 - x2, x3 - x2, x0 - x1 + x2 - x3);
        let (dy1, dy2, sy) = (y1 - y2, y3 - y2, y0 - y1 + y2 - y3);
        let det = dx1 * dy2 - dx2 * dy1;
        if det.abs() < 1e-6 {
            return None;
        }
        let g = (sx * dy2 - dx2 * sy) / det;
        let h = (dx1 * sy - sx * dy1) / det;
        Some(Homography {
            m: [
                x1 - x0 + g * x1,
                x3 - x0 + h * x3,
                x0,
                y1 - y0 + g * y1,
                y3 - y0 + h * y3,
                y0,
                g,
                h,
            ],
        })
    }

    fn apply(&self, u: f32, v: f32) -> Option<[f32; 2]> {
        let m = &self.m;
        let w = m[6] * u + m[7] * v + 1.0;
        if w.abs() < 1e-6 {
            return None;
        }
        Some([
            (m[0] * u + m[1] * v + m[2]) / w,
            (m[3] * u + m[4] * v + m[5]) / w,
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_homography_maps_the_square_onto_a_keystoned_quad() {
        let quad = [[10.0, 20.0], [110.0, 15.0], [100.0, 120.0], [5.0, 110.0]];
        let map = Homography::from_square(quad).unwrap();
        for ((u, v), want) in [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)]
            .into_iter()
            .zip(quad)
        {
            let got = map.apply(u, v).unwrap();
            assert!((got[0] - want[0]).abs() < 1e-3 && (got[1] - want[1]).abs() < 1e-3);
        }
        // Straight lines stay straight: the middle of the top edge lies on it.
        let top = map.apply(0.5, 0.0).unwrap();
        let cross = (quad[1][0] - quad[0][0]) * (top[1] - quad[0][1])
            - (quad[1][1] - quad[0][1]) * (top[0] - quad[0][0]);
        assert!(cross.abs() < 1e-2);
    }

    #[test]
    fn corner_offsets_start_at_the_parallelogram_and_stay_within_reach() {
        let offsets = corner_offsets();
        assert_eq!(offsets[0], (0, 0));
        assert!(offsets
            .iter()
            .all(|(i, j)| i.abs() <= CORNER_REACH && j.abs() <= CORNER_REACH));
        // Quarter steps near the corner, half steps beyond.
        assert!(offsets.contains(&(1, -1)) && !offsets.contains(&(3, 0)));
    }
}
