//! Synthetic vaccination tickets, rendered and photographed, deterministic from a seed.
//!
//! A ticket sticker (接種券) with its OCR line (OCR-B), QR code and NW-7 barcode is laid out on a
//! pre-screening form (予診票), then photographed by a simulated tablet camera or scanned at
//! 300 dpi. The [`Label`] says what was printed and where the OCR line ended up in the image.
//!
//! ```no_run
//! use vrs_ticketgen::{generate, GenOptions};
//! let sample = generate(7, &GenOptions::default());
//! assert_eq!(sample.label.line.len(), 18);
//! ```

mod camera;
pub mod codabar;
mod content;
mod degrade;
mod error;
mod fonts;
mod form;
mod geometry;
mod scan;
mod scene;
mod sticker;

use image::RgbImage;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

pub use content::{municipalities, Municipality, TicketContent};
pub use error::GenError;
pub use scan::SCAN_PX_PER_MM;

/// How the ticket is captured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capture {
    /// A tablet camera photo of this size in pixels.
    Camera { width: u32, height: u32 },
    /// A 300-dpi flatbed scan of the whole form or the area around the ticket.
    FlatbedScan,
}

impl Capture {
    /// The label's name for it: `camera` or `scan`.
    pub fn name(&self) -> &'static str {
        match self {
            Capture::Camera { .. } => "camera",
            Capture::FlatbedScan => "scan",
        }
    }
}

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct GenOptions {
    pub capture: Capture,
    /// Range of OCR-line digit heights in pixels for a 720-pixel-high camera frame (scaled with
    /// the frame height). Ignored for scans, whose scale is fixed at 300 dpi.
    pub digit_height_px: [f32; 2],
    /// Apply blur, light, shadow, noise and JPEG; `false` gives the clean geometric view.
    pub degrade: bool,
}

impl Default for GenOptions {
    fn default() -> Self {
        GenOptions {
            capture: Capture::Camera {
                width: 1280,
                height: 720,
            },
            digit_height_px: [18.0, 45.0],
            degrade: true,
        }
    }
}

/// A generated image and what is in it.
#[derive(Debug, Clone)]
pub struct Sample {
    pub image: RgbImage,
    pub label: Label,
}

/// A quadrilateral in image pixels (edges at integers): top-left, top-right, bottom-right,
/// bottom-left as printed, whatever the rotation.
pub type Quad = [[f32; 2]; 4];

/// What was printed and where, in output-image pixels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Label {
    pub seed: u64,
    /// The 18 digits of the OCR line.
    pub line: String,
    pub qr: Option<String>,
    /// NW-7 payload with start/stop letters.
    pub nw7: Option<String>,
    /// The OCR line's tight ink box.
    pub line_quad: Quad,
    /// `camera` or `scan`.
    pub capture: String,
    /// The QR symbol without its quiet zone, when there is one.
    #[serde(default)]
    pub qr_quad: Option<Quad>,
    /// The NW-7 bars from first to last, when there are any.
    #[serde(default)]
    pub nw7_quad: Option<Quad>,
    #[serde(default)]
    pub municipality_name: String,
    #[serde(default)]
    pub holder_name: String,
}

/// Independent random streams per stage, so that fixing the content keeps the rest unchanged.
fn stream(seed: u64, stage: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stage);
    rng
}

const CONTENT_STREAM: u64 = 0;
const LAYOUT_STREAM: u64 = 1;
const CAPTURE_STREAM: u64 = 2;

/// The content [`generate`] prints for a seed.
pub fn content_for_seed(seed: u64) -> TicketContent {
    TicketContent::random(&mut stream(seed, CONTENT_STREAM))
}

/// A random valid ticket from the seed, rendered and captured.
///
/// # Panics
/// When the fonts are missing (the message names the file and the Debian package) or the options
/// are unusable; [`try_generate`] returns these as errors instead.
pub fn generate(seed: u64, options: &GenOptions) -> Sample {
    match try_generate(seed, options) {
        Ok(sample) => sample,
        Err(err) => panic!("vrs-ticketgen: {err}"),
    }
}

/// Renders the given content; layout and capture are random from the seed.
///
/// # Panics
/// As [`generate`]; see [`try_generate_with`].
pub fn generate_with(seed: u64, content: &TicketContent, options: &GenOptions) -> Sample {
    match try_generate_with(seed, content, options) {
        Ok(sample) => sample,
        Err(err) => panic!("vrs-ticketgen: {err}"),
    }
}

/// [`generate`], with errors returned.
pub fn try_generate(seed: u64, options: &GenOptions) -> Result<Sample, GenError> {
    try_generate_with(seed, &content_for_seed(seed), options)
}

/// Checks that every font the generator needs can be read.
pub fn check_fonts() -> Result<(), GenError> {
    fonts::Fonts::get().map(|_| ())
}

fn check_options(options: &GenOptions) -> Result<(), GenError> {
    if let Capture::Camera { width, height } = options.capture {
        if !(64..=8192).contains(&width) || !(64..=8192).contains(&height) {
            return Err(GenError::Options {
                field: "capture",
                reason: format!("camera size {width}x{height} is outside 64–8192 pixels"),
            });
        }
    }
    let [lo, hi] = options.digit_height_px;
    if !(lo.is_finite() && hi.is_finite() && lo >= 4.0 && hi >= lo && hi <= 400.0) {
        return Err(GenError::Options {
            field: "digit_height_px",
            reason: format!("range {lo}–{hi} must be increasing within 4–400"),
        });
    }
    Ok(())
}

/// [`generate_with`], with errors returned.
pub fn try_generate_with(
    seed: u64,
    content: &TicketContent,
    options: &GenOptions,
) -> Result<Sample, GenError> {
    check_options(options)?;
    let fonts = fonts::Fonts::get()?;
    let form = form::layout_form(fonts, &mut stream(seed, LAYOUT_STREAM), content)?;
    let mut capture_rng = stream(seed, CAPTURE_STREAM);
    let (image, to_image) = match options.capture {
        Capture::Camera { width, height } => camera::photograph(
            &form,
            fonts,
            &mut capture_rng,
            [width, height],
            options.digit_height_px,
            options.degrade,
        )?,
        Capture::FlatbedScan => scan::scan(&form, fonts, &mut capture_rng, options.degrade)?,
    };
    let quad = |b: [f32; 4]| -> Quad {
        let [l, t, r, bt] = b.map(f64::from);
        [(l, t), (r, t), (r, bt), (l, bt)].map(|(x, y)| {
            let (u, v) = to_image.apply(x, y);
            [u as f32, v as f32]
        })
    };
    let geometry = &form.sticker;
    let label = Label {
        seed,
        line: content.line.clone(),
        qr: content.qr.clone(),
        nw7: content.nw7.clone(),
        line_quad: quad(geometry.line_box),
        capture: options.capture.name().to_string(),
        qr_quad: geometry.qr_box.map(quad),
        nw7_quad: geometry.nw7_box.map(quad),
        municipality_name: content.municipality_name.clone(),
        holder_name: content.holder_name.clone(),
    };
    Ok(Sample { image, label })
}
