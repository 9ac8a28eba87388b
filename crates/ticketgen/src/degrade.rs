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

/// Motion blur: the mean of `taps` copies shifted along a line of `length` pixels at `angle`.
pub fn motion_blur(image: &RgbImage, length: f32, angle: f32) -> RgbImage {
    let taps = (length.ceil() as usize).clamp(2, 12);
    let (width, height) = image.dimensions();
    let (w, h) = (width as i64, height as i64);
    let offsets: Vec<(i64, i64)> = (0..taps)
        .map(|i| {
            let t = (i as f32 / (taps - 1) as f32 - 0.5) * length;
            (
                (t * angle.cos()).round() as i64,
                (t * angle.sin()).round() as i64,
            )
        })
        .collect();
    let src = image.as_raw();
    let mut out = RgbImage::new(width, height);
    for (y, row) in out.rows_mut().enumerate() {
        for (x, pixel) in row.enumerate() {
            let mut acc = [0u32; 3];
            for (ox, oy) in &offsets {
                let sx = (x as i64 + ox).clamp(0, w - 1) as usize;
                let sy = (y as i64 + oy).clamp(0, h - 1) as usize;
                let at = (sy * width as usize + sx) * 3;
                for (a, s) in acc.iter_mut().zip(&src[at..at + 3]) {
                    *a += u32::from(*s);
                }
            }
            for (c, a) in pixel.0.iter_mut().zip(acc) {
                *c = ((a + taps as u32 / 2) / taps as u32) as u8;
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
