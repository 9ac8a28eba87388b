//! The orientation of barcode-like regions, from the structure tensor of image gradients.

use image::GrayImage;

/// Side of the square blocks whose gradient structure tensor is measured.
const BLOCK: usize = 12;
/// A block counts as barcode-like when its gradients are this coherent (1 = all parallel)…
const MIN_COHERENCE: f32 = 0.75;
/// …and their mean squared magnitude reaches this (grey levels², central differences).
pub(super) const MIN_BLOCK_ENERGY: f32 = 400.0;
/// Orientation peaks below this share of the strongest are not scanned.
const SECOND_PEAK_SHARE: f32 = 0.5;

/// One block of the frame with strong, parallel gradients (bars, rules, straight strokes).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Block {
    /// Column and row of the block ([`BLOCK`] pixels a side, from pixel 1).
    pub column: usize,
    pub row: usize,
    /// Direction of the dominant gradient, degrees in −90…90: the direction to scan along.
    pub angle: f32,
    /// Gradient energy times coherence.
    pub weight: f32,
}

/// Side of the blocks, pixels.
pub(super) const BLOCK_SIDE: usize = BLOCK;

/// The blocks with strong, parallel gradients: bars pass; QR modules and text mix directions
/// and fall below the coherence bar.
/// Blocks below `min_energy` (mean squared gradient, grey levels²) are left out.
pub(super) fn coherent_blocks(gray: &GrayImage, min_energy: f32) -> Vec<Block> {
    let (width, height) = (gray.width() as usize, gray.height() as usize);
    let mut blocks = Vec::new();
    if width < 3 * BLOCK || height < 3 * BLOCK {
        return blocks;
    }
    let pixels = gray.as_raw();
    let at = |x: usize, y: usize| f32::from(pixels[y * width + x]);
    for by in 0..(height - 2) / BLOCK {
        for bx in 0..(width - 2) / BLOCK {
            let (mut jxx, mut jyy, mut jxy) = (0.0f32, 0.0f32, 0.0f32);
            for y in by * BLOCK + 1..(by + 1) * BLOCK + 1 {
                for x in bx * BLOCK + 1..(bx + 1) * BLOCK + 1 {
                    let gx = at(x + 1, y) - at(x - 1, y);
                    let gy = at(x, y + 1) - at(x, y - 1);
                    jxx += gx * gx;
                    jyy += gy * gy;
                    jxy += gx * gy;
                }
            }
            let energy = jxx + jyy;
            if energy < min_energy * (BLOCK * BLOCK) as f32 {
                continue;
            }
            let coherence = ((jxx - jyy).powi(2) + 4.0 * jxy * jxy).sqrt() / energy;
            if coherence < MIN_COHERENCE {
                continue;
            }
            blocks.push(Block {
                column: bx,
                row: by,
                angle: 0.5 * (2.0 * jxy).atan2(jxx - jyy).to_degrees(),
                weight: energy * coherence,
            });
        }
    }
    blocks
}

/// Up to two scan-line angles (degrees, in −45…45) across the bars of barcode-like regions:
/// the peaks of the orientations of [`coherent_blocks`].
pub(super) fn barcode_orientations(gray: &GrayImage) -> Vec<f32> {
    orientations_of(&coherent_blocks(gray, MIN_BLOCK_ENERGY))
}

/// [`barcode_orientations`] of blocks already measured.
pub(super) fn orientations_of(blocks: &[Block]) -> Vec<f32> {
    if blocks.is_empty() {
        return Vec::new();
    }
    let mut histogram = [0.0f32; 90];
    for block in blocks {
        // Folded to −45…45: a ticket's rules and text edges run along or across its bars,
        // so every edge of the ticket tells its tilt.
        let bin = (block.angle + 45.0).round().rem_euclid(90.0) as usize % 90;
        histogram[bin] += block.weight;
    }
    // Smooth over ±2° (circularly) so a code spread over neighbouring bins makes one peak.
    let smoothed: Vec<f32> = (0..90)
        .map(|i| (0..5).map(|k| histogram[(i + 88 + k) % 90]).sum())
        .collect();
    let mut peaks: Vec<(usize, f32)> = (0..90)
        .filter(|&i| {
            let v = smoothed[i];
            v > 0.0 && v >= smoothed[(i + 89) % 90] && v > smoothed[(i + 1) % 90]
        })
        .map(|i| (i, smoothed[i]))
        .collect();
    peaks.sort_by(|a, b| b.1.total_cmp(&a.1));
    let strongest = peaks.first().map_or(0.0, |p| p.1);
    peaks
        .into_iter()
        .take(2)
        .filter(|p| p.1 >= SECOND_PEAK_SHARE * strongest)
        .map(|(bin, _)| bin as f32 - 45.0)
        .collect()
}

/// Difference between two scan-line angles, which repeat every 180°.
pub(super) fn angle_distance(a: f32, b: f32) -> f32 {
    let d = (a - b).rem_euclid(180.0);
    d.min(180.0 - d)
}
