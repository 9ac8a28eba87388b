//! What a camera or scanner does to a clean picture: blur, light, noise, JPEG.

use image::codecs::jpeg::JpegEncoder;
use image::{ImageEncoder, RgbImage};
use rand::{Rng, RngExt};

use crate::error::GenError;

/// A soft-edged shadow over part of the frame (a hand or the tablet itself).
#[derive(Debug, Clone, Copy)]
pub struct Shadow {
    /// Unit normal of the shadow's edge; the shadow lies where `normal·p > offset`.
    pub normal: [f32; 2],
    pub offset: f32,
    /// Width of the penumbra in pixels.
    pub softness: f32,
    /// Fraction of light removed in full shadow.
    pub depth: f32,
}

/// A bright reflection off glossy paper.
#[derive(Debug, Clone, Copy)]
pub struct Glare {
    pub center: [f32; 2],
    pub radius: f32,
    /// Added brightness at the centre, 0–255.
    pub strength: f32,
}

/// Illumination and sensor noise, applied in one pass.
#[derive(Debug, Clone)]
pub struct Lighting {
    pub gain: f32,
    /// Relative brightness change per frame width / height.
    pub gradient: [f32; 2],
    pub vignette: f32,
    /// White-balance multipliers per channel.
    pub tint: [f32; 3],
    pub shadow: Option<Shadow>,
    pub glare: Option<Glare>,
    /// Standard deviation of luminance noise, 0–255 scale.
    pub noise_sigma: f32,
}

impl Lighting {
    /// Random indoor light as a tablet camera meets it.
    pub fn random_camera(rng: &mut (impl Rng + ?Sized), width: u32, height: u32) -> Self {
        let (w, h) = (width as f32, height as f32);
        let shadow = rng.random_bool(0.45).then(|| {
            let angle = rng.random_range(0.0..std::f32::consts::TAU);
            let normal = [angle.cos(), angle.sin()];
            // The edge passes somewhere in the frame, off-centre.
            let px = rng.random_range(0.1..0.9f32) * w;
            let py = rng.random_range(0.1..0.9f32) * h;
            Shadow {
                normal,
                offset: normal[0] * px + normal[1] * py,
                softness: rng.random_range(0.02..0.15f32) * w,
                depth: rng.random_range(0.2..0.55f32),
            }
        });
        let glare = rng.random_bool(0.15).then(|| Glare {
            center: [rng.random_range(0.0..w), rng.random_range(0.0..h)],
            radius: rng.random_range(0.1..0.35f32) * w,
            strength: rng.random_range(15.0..60.0f32),
        });
        let warm = rng.random_range(-0.08..0.08f32);
        Lighting {
            gain: rng.random_range(0.72..1.12f32),
            gradient: [
                rng.random_range(-0.3..0.3f32),
                rng.random_range(-0.3..0.3f32),
            ],
            vignette: rng.random_range(0.0..0.35f32),
            tint: [
                1.0 + warm,
                1.0 + rng.random_range(-0.03..0.03f32),
                1.0 - warm,
            ],
            shadow,
            glare,
            noise_sigma: rng.random_range(1.5..7.0f32),
        }
    }

    /// A flatbed scanner's even light.
    pub fn random_scan(rng: &mut (impl Rng + ?Sized)) -> Self {
        Lighting {
            gain: rng.random_range(0.97..1.05f32),
            gradient: [rng.random_range(-0.02..0.02f32), 0.0],
            vignette: 0.0,
            tint: [1.0, 1.0, 1.0],
            shadow: None,
            glare: None,
            noise_sigma: rng.random_range(0.5..2.0f32),
        }
    }
}

fn smoothstep(x: f32) -> f32 {
    let t = x.clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

/// Applies light and noise in place; the noise comes from `rng`, so it is reproducible.
pub fn light_and_noise(image: &mut RgbImage, lighting: &Lighting, rng: &mut (impl Rng + ?Sized)) {
    let (width, height) = image.dimensions();
    let (w, h) = (width as f32, height as f32);
    let (cx, cy) = (w / 2.0, h / 2.0);
    let diag2 = cx * cx + cy * cy;
    let mut noise = vec![0u8; width as usize * 5];
    let luma_k = lighting.noise_sigma / 104.0;
    let chroma_k = lighting.noise_sigma * 0.35 / 74.0;
    for (y, row) in image.rows_mut().enumerate() {
        rng.fill_bytes(&mut noise);
        let fy = y as f32 + 0.5;
        let row_gain = 1.0 + lighting.gradient[1] * (fy - cy) / h;
        for (x, (pixel, n)) in row.zip(noise.chunks_exact(5)).enumerate() {
            let fx = x as f32 + 0.5;
            let (dx, dy) = (fx - cx, fy - cy);
            let mut gain = lighting.gain * (row_gain + lighting.gradient[0] * dx / w);
            gain *= 1.0 - lighting.vignette * (dx * dx + dy * dy) / diag2;
            if let Some(s) = &lighting.shadow {
                let d = s.normal[0] * fx + s.normal[1] * fy - s.offset;
                gain *= 1.0 - s.depth * smoothstep(d / s.softness + 0.5);
            }
            let mut add = 0.0;
            if let Some(g) = &lighting.glare {
                let r2 = ((fx - g.center[0]).powi(2) + (fy - g.center[1]).powi(2))
                    / (g.radius * g.radius);
                if r2 < 1.0 {
                    add = g.strength * (1.0 - r2) * (1.0 - r2);
                }
            }
            let luma = (f32::from(n[0]) + f32::from(n[1]) - 255.0) * luma_k;
            for (c, ch) in pixel.0.iter_mut().enumerate() {
                let chroma = (f32::from(n[2 + c]) - 127.5) * chroma_k;
                let v = f32::from(*ch) * gain * lighting.tint[c] + add + luma + chroma;
                *ch = v.round().clamp(0.0, 255.0) as u8;
            }
        }
    }
}

/// Gaussian defocus.
pub fn defocus(image: &RgbImage, sigma: f32) -> RgbImage {
    if sigma < 0.2 {
        return image.clone();
    }
    imageproc::filter::gaussian_blur_f32(image, sigma)
}

/// Points sampled per pixel of motion by [`motion_blur`].
const MOTION_SAMPLES_PER_PIXEL: f32 = 3.0;

/// Motion blur: the camera moved `length` pixels at `angle` while the shutter was open, so each
/// pixel is the mean of the scene along a line that long, a smear. (The line is sampled every
/// third of a pixel between pixels, bilinearly; copies at whole-pixel offsets would make a
/// double exposure, which no camera takes.)
pub fn motion_blur(image: &RgbImage, length: f32, angle: f32) -> RgbImage {
    let taps = ((length * MOTION_SAMPLES_PER_PIXEL).ceil() as usize).max(2) + 1;
    let offsets: Vec<(f32, f32)> = (0..taps)
        .map(|i| {
            let t = (i as f32 / (taps - 1) as f32 - 0.5) * length;
            (t * angle.cos(), t * angle.sin())
        })
        .collect();
    let (width, height) = image.dimensions();
    let (last_x, last_y) = ((width - 1) as f32, (height - 1) as f32);
    let stride = width as usize * 3;
    let src = image.as_raw();
    let mut out = RgbImage::new(width, height);
    for (y, row) in out.rows_mut().enumerate() {
        for (x, pixel) in row.enumerate() {
            let mut acc = [0f32; 3];
            for (ox, oy) in &offsets {
                let sx = (x as f32 + ox).clamp(0.0, last_x);
                let sy = (y as f32 + oy).clamp(0.0, last_y);
                let (x0, y0) = (sx.floor(), sy.floor());
                let (fx, fy) = (sx - x0, sy - y0);
                let at = y0 as usize * stride + x0 as usize * 3;
                let right = if sx < last_x { 3 } else { 0 };
                let down = if sy < last_y { stride } else { 0 };
                let weights = [
                    (at, (1.0 - fx) * (1.0 - fy)),
                    (at + right, fx * (1.0 - fy)),
                    (at + down, (1.0 - fx) * fy),
                    (at + down + right, fx * fy),
                ];
                for (corner, weight) in weights {
                    for (a, s) in acc.iter_mut().zip(&src[corner..corner + 3]) {
                        *a += weight * f32::from(*s);
                    }
                }
            }
            for (c, a) in pixel.0.iter_mut().zip(acc) {
                *c = (a / taps as f32).round().clamp(0.0, 255.0) as u8;
            }
        }
    }
    out
}

/// Encodes as JPEG at `quality` and decodes again, all in memory.
pub fn jpeg_round_trip(image: &RgbImage, quality: u8) -> Result<RgbImage, GenError> {
    let mut bytes = Vec::with_capacity(image.as_raw().len() / 8);
    JpegEncoder::new_with_quality(&mut bytes, quality)
        .write_image(
            image.as_raw(),
            image.width(),
            image.height(),
            image::ExtendedColorType::Rgb8,
        )
        .map_err(|err| GenError::Jpeg(err.to_string()))?;
    let decoded = image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg)
        .map_err(|err| GenError::Jpeg(err.to_string()))?;
    Ok(decoded.to_rgb8())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Darkness (255 − grey) of row `y`, red channel.
    fn darkness(image: &RgbImage, y: u32) -> Vec<f32> {
        (0..image.width())
            .map(|x| 255.0 - f32::from(image.get_pixel(x, y).0[0]))
            .collect()
    }

    #[test]
    fn motion_smears_a_line_evenly_over_its_length() {
        // A black line one pixel wide on white, the camera moving 6 px across it.
        let mut image = RgbImage::from_pixel(40, 9, image::Rgb([255, 255, 255]));
        for y in 0..9 {
            image.put_pixel(20, y, image::Rgb([0, 0, 0]));
        }
        let smeared = motion_blur(&image, 6.0, 0.0);
        let row = darkness(&smeared, 4);
        // The ink is kept, spread over six pixels: a flat smear, not copies of the line.
        let total: f32 = row.iter().sum();
        assert!((total - 255.0).abs() < 6.0, "{row:?}");
        let smear: Vec<f32> = row[18..23].to_vec();
        assert!(
            smear.iter().all(|d| (d - 255.0 / 6.0).abs() < 12.0),
            "{row:?}"
        );
        assert!(
            row[..16].iter().chain(&row[25..]).all(|d| *d == 0.0),
            "{row:?}"
        );
    }

    #[test]
    fn motion_blur_follows_its_angle() {
        // Moving along the line leaves it sharp.
        let mut image = RgbImage::from_pixel(21, 21, image::Rgb([255, 255, 255]));
        for y in 0..21 {
            image.put_pixel(10, y, image::Rgb([0, 0, 0]));
        }
        let along = motion_blur(&image, 6.0, std::f32::consts::FRAC_PI_2);
        assert_eq!(darkness(&along, 10), darkness(&image, 10));
    }
}
