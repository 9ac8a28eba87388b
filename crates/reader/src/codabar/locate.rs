//! Where a barcode lies in the frame, and its profile averaged along the whole height of its
//! bars (many rows averaged: noise and JPEG blocks fade, the bars' blur stays what it is).

use std::collections::VecDeque;

use image::GrayImage;

use super::align::aligned;
use super::orientation::{angle_distance, Block, BLOCK_SIDE};

/// Blocks within this many degrees of the scan angle belong to the code.
const MAX_BLOCK_ANGLE: f32 = 6.0;
/// A region must hold this many blocks…
const MIN_BLOCKS: usize = 4;
/// …and be at least this long (pixels) along the scan and this much longer than high.
const MIN_LENGTH_PX: f32 = 60.0;
const MIN_ELONGATION: f32 = 1.5;
/// Regions tried per angle, largest first.
const MAX_REGIONS: usize = 3;
/// Rows whose profile correlates less than this with the region's median row are left out
/// (text above or below the bars).
const MIN_ROW_CORRELATION: f32 = 0.7;
/// Rows that must remain.
const MIN_ROWS: usize = 6;
/// Angle offsets (degrees) tried around the estimate; the sharpest averaged profile wins.
const ANGLE_REFINEMENTS: [f32; 5] = [0.0, -0.6, 0.6, -1.2, 1.2];

/// A barcode-like region: a centre, the scan direction, and extents along and across it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Region {
    pub angle: f32,
    pub centre: (f32, f32),
    /// Extent along the scan direction, pixels from the centre.
    pub along: (f32, f32),
    /// Extent across (along the bars), pixels from the centre.
    pub across: (f32, f32),
}

/// Connected groups of blocks oriented along `angle`, largest first.
pub(super) fn regions(blocks: &[Block], angle: f32) -> Vec<Region> {
    let aligned: Vec<&Block> = blocks
        .iter()
        .filter(|b| angle_distance(b.angle, angle) <= MAX_BLOCK_ANGLE)
        .collect();
    let columns = aligned.iter().map(|b| b.column + 1).max().unwrap_or(0);
    let rows = aligned.iter().map(|b| b.row + 1).max().unwrap_or(0);
    let mut grid: Vec<Option<usize>> = vec![None; columns * rows];
    for (i, b) in aligned.iter().enumerate() {
        grid[b.row * columns + b.column] = Some(i);
    }
    let mut seen = vec![false; aligned.len()];
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for first in 0..aligned.len() {
        if seen[first] {
            continue;
        }
        seen[first] = true;
        let mut group = vec![first];
        let mut queue = VecDeque::from([first]);
        while let Some(i) = queue.pop_front() {
            let (c, r) = (aligned[i].column as i64, aligned[i].row as i64);
            for (dc, dr) in [
                (-1, -1),
                (0, -1),
                (1, -1),
                (-1, 0),
                (1, 0),
                (-1, 1),
                (0, 1),
                (1, 1),
            ] {
                let (nc, nr) = (c + dc, r + dr);
                if nc < 0 || nr < 0 || nc >= columns as i64 || nr >= rows as i64 {
                    continue;
                }
                if let Some(j) = grid[nr as usize * columns + nc as usize] {
                    if !seen[j] {
                        seen[j] = true;
                        group.push(j);
                        queue.push_back(j);
                    }
                }
            }
        }
        groups.push(group);
    }
    // Extents of each group in frame coordinates turned to the scan direction.
    let (sin, cos) = angle.to_radians().sin_cos();
    let half = BLOCK_SIDE as f32 / 2.0;
    let mut boxes: Vec<Extent> = groups
        .iter()
        .map(|group| {
            let mut extent = Extent {
                along: (f32::MAX, f32::MIN),
                across: (f32::MAX, f32::MIN),
                blocks: group.len(),
            };
            for &i in group {
                let b = aligned[i];
                let x = (b.column * BLOCK_SIDE + 1) as f32 + half;
                let y = (b.row * BLOCK_SIDE + 1) as f32 + half;
                let (u, v) = (x * cos + y * sin, -x * sin + y * cos);
                extent.along = (extent.along.0.min(u - half), extent.along.1.max(u + half));
                extent.across = (extent.across.0.min(v - half), extent.across.1.max(v + half));
            }
            extent
        })
        .collect();
    merge_in_line(&mut boxes);
    boxes.sort_by_key(|b| std::cmp::Reverse(b.blocks));
    boxes
        .iter()
        .filter(|b| b.blocks >= MIN_BLOCKS)
        .filter_map(|b| {
            let length = b.along.1 - b.along.0;
            let height = b.across.1 - b.across.0;
            if length < MIN_LENGTH_PX || length < MIN_ELONGATION * height {
                return None;
            }
            let (u, v) = (
                (b.along.0 + b.along.1) / 2.0,
                (b.across.0 + b.across.1) / 2.0,
            );
            Some(Region {
                angle,
                centre: (u * cos - v * sin, u * sin + v * cos),
                along: (-length / 2.0, length / 2.0),
                across: (-height / 2.0, height / 2.0),
            })
        })
        .take(MAX_REGIONS)
        .collect()
}

/// A group of blocks: its extents along and across the scan direction, and its size.
#[derive(Debug, Clone, Copy)]
struct Extent {
    along: (f32, f32),
    across: (f32, f32),
    blocks: usize,
}

/// Groups further apart along the scan than this (pixels) stay apart.
const MAX_MERGE_GAP_PX: f32 = 80.0;

/// Joins groups that lie in one line along the scan direction with a short gap: a code whose
/// most blurred stretch falls below the block bars splits into pieces.
fn merge_in_line(boxes: &mut Vec<Extent>) {
    let mut merged = true;
    while merged {
        merged = false;
        'outer: for i in 0..boxes.len() {
            for j in i + 1..boxes.len() {
                let (a, b) = (boxes[i], boxes[j]);
                let overlap = a.across.1.min(b.across.1) - a.across.0.max(b.across.0);
                let larger = (a.across.1 - a.across.0).max(b.across.1 - b.across.0);
                let gap = a.along.0.max(b.along.0) - a.along.1.min(b.along.1);
                if overlap >= 0.5 * larger && gap <= MAX_MERGE_GAP_PX {
                    boxes[i] = Extent {
                        along: (a.along.0.min(b.along.0), a.along.1.max(b.along.1)),
                        across: (a.across.0.min(b.across.0), a.across.1.max(b.across.1)),
                        blocks: a.blocks + b.blocks,
                    };
                    boxes.swap_remove(j);
                    merged = true;
                    break 'outer;
                }
            }
        }
    }
}

/// Rows of a region sampled along the scan direction, one pixel apart across it.
pub(super) struct Rows {
    pub rows: Vec<Vec<f32>>,
}

/// Samples the region's rows at `angle`, from `margin` pixels before its start to `margin`
/// after its end.
fn sample_rows(
    gray: &GrayImage,
    region: &Region,
    angle: f32,
    margin: f32,
    samples_per_pixel: f32,
    row_step: usize,
) -> Rows {
    let (width, height) = (gray.width() as f32, gray.height() as f32);
    let pixels = gray.as_raw();
    let stride = gray.width() as usize;
    let (sin, cos) = angle.to_radians().sin_cos();
    let first = ((region.along.0 - margin) * samples_per_pixel).floor() as i64;
    let last = ((region.along.1 + margin) * samples_per_pixel).ceil() as i64;
    let mut rows = Vec::new();
    let mut v = region.across.0.ceil() as i64;
    while v as f32 <= region.across.1 {
        let mut row = Vec::with_capacity((last - first + 1).max(0) as usize);
        for s in first..=last {
            let u = s as f32 / samples_per_pixel;
            let x = region.centre.0 + u * cos - v as f32 * sin;
            let y = region.centre.1 + u * sin + v as f32 * cos;
            // Past the frame's edge the edge pixels repeat (a quiet zone cut by the frame).
            let (x, y) = (x.clamp(0.0, width - 1.001), y.clamp(0.0, height - 1.001));
            let (x0, y0) = (x as usize, y as usize);
            let (fx, fy) = (x - x0 as f32, y - y0 as f32);
            let at = |xx: usize, yy: usize| f32::from(pixels[yy * stride + xx]);
            let top = at(x0, y0) * (1.0 - fx) + at(x0 + 1, y0) * fx;
            let bottom = at(x0, y0 + 1) * (1.0 - fx) + at(x0 + 1, y0 + 1) * fx;
            row.push(top * (1.0 - fy) + bottom * fy);
        }
        rows.push(row);
        v += row_step as i64;
    }
    Rows { rows }
}

fn mean_profile(rows: &[Vec<f32>]) -> Vec<f32> {
    let Some(first) = rows.first() else {
        return Vec::new();
    };
    let mut sum = vec![0.0f32; first.len()];
    for row in rows {
        for (s, v) in sum.iter_mut().zip(row) {
            *s += v;
        }
    }
    let n = rows.len() as f32;
    sum.iter_mut().for_each(|s| *s /= n);
    sum
}

fn sharpness(profile: &[f32]) -> f32 {
    profile.windows(2).map(|w| (w[1] - w[0]).powi(2)).sum()
}

fn correlation(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len()) as f32;
    if n < 2.0 {
        return 0.0;
    }
    let (ma, mb) = (a.iter().sum::<f32>() / n, b.iter().sum::<f32>() / n);
    let (mut ab, mut aa, mut bb) = (0.0f32, 0.0f32, 0.0f32);
    for (x, y) in a.iter().zip(b) {
        ab += (x - ma) * (y - mb);
        aa += (x - ma).powi(2);
        bb += (y - mb).powi(2);
    }
    if aa <= 0.0 || bb <= 0.0 {
        0.0
    } else {
        ab / (aa * bb).sqrt()
    }
}

/// The region's rows that show the bars, at the angle (within ±1.2° of the region's) that
/// makes their mean sharpest; rows unlike the median row are dropped, the others lined up
/// with it. `None` when too few rows remain.
pub(super) fn bar_rows(
    gray: &GrayImage,
    region: &Region,
    margin: f32,
    samples_per_pixel: f32,
) -> Option<Rows> {
    let angle = ANGLE_REFINEMENTS
        .iter()
        .map(|offset| region.angle + offset)
        .map(|angle| {
            let rows = sample_rows(gray, region, angle, margin, samples_per_pixel, 2);
            (angle, sharpness(&mean_profile(&rows.rows)))
        })
        .max_by(|a, b| a.1.total_cmp(&b.1))?
        .0;
    let sampled = sample_rows(gray, region, angle, margin, samples_per_pixel, 1);
    if sampled.rows.len() < MIN_ROWS {
        return None;
    }
    let length = sampled.rows[0].len();
    let mut column = Vec::with_capacity(sampled.rows.len());
    let median: Vec<f32> = (0..length)
        .map(|i| {
            column.clear();
            column.extend(sampled.rows.iter().map(|r| r[i]));
            column.sort_by(f32::total_cmp);
            column[column.len() / 2]
        })
        .collect();
    let rows: Vec<Vec<f32>> = sampled
        .rows
        .into_iter()
        .filter(|row| correlation(row, &median) >= MIN_ROW_CORRELATION)
        .collect();
    if rows.len() < MIN_ROWS {
        return None;
    }
    let core = (
        (margin * samples_per_pixel) as usize,
        ((margin + region.along.1 - region.along.0) * samples_per_pixel) as usize,
    );
    Some(Rows {
        rows: aligned(rows, &median, core),
    })
}

/// The mean of all rows and of each half (for two independent reads).
pub(super) fn profiles(rows: &Rows) -> [Vec<f32>; 3] {
    let half = rows.rows.len() / 2;
    [
        mean_profile(&rows.rows),
        mean_profile(&rows.rows[..half]),
        mean_profile(&rows.rows[half..]),
    ]
}
