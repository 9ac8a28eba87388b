//! A 300-dpi flatbed scan of the form: straight, clean, slightly rotated.

use image::{Rgb, RgbImage};
use imageproc::geometric_transformations::{warp_into, Border, Interpolation};
use rand::{Rng, RngExt};

use crate::degrade::{self, Lighting};
use crate::error::GenError;
use crate::fonts::Fonts;
use crate::form::{Form, PAGE_MM};
use crate::geometry::Mat3;
use crate::scene::Raster;

/// Pixels per millimetre at 300 dpi.
pub const SCAN_PX_PER_MM: f32 = 300.0 / 25.4;

/// Scans the whole page or the area around the ticket; returns the picture and the map from page
/// millimetres to its pixels.
pub fn scan(
    form: &Form,
    fonts: &Fonts,
    rng: &mut (impl Rng + ?Sized),
    degrade_image: bool,
) -> Result<(RgbImage, Mat3), GenError> {
    let sticker = form.sticker.rect;
    let region = if rng.random_bool(0.35) {
        [0.0, 0.0, PAGE_MM[0], PAGE_MM[1]]
    } else {
        [
            (sticker[0] - rng.random_range(5.0..50.0f32)).max(0.0),
            (sticker[1] - rng.random_range(5.0..25.0f32)).max(0.0),
            (sticker[0] + sticker[2] + rng.random_range(5.0..50.0f32)).min(PAGE_MM[0]),
            (sticker[1] + sticker[3] + rng.random_range(5.0..60.0f32)).min(PAGE_MM[1]),
        ]
    };
    let s = SCAN_PX_PER_MM;
    let raster = Raster {
        origin_mm: [region[0], region[1]],
        px_per_mm: s,
        width: ((region[2] - region[0]) * s).round().max(1.0) as u32,
        height: ((region[3] - region[1]) * s).round().max(1.0) as u32,
    };
    let drawn = form.scene.render(fonts, &raster, form.paper);

    // Rotate about the centre by at most 2°, as a sheet laid by hand on the glass.
    let theta = f64::from(rng.random_range(-2.0..2.0f32)).to_radians();
    let (cx, cy) = (
        f64::from(raster.width) / 2.0,
        f64::from(raster.height) / 2.0,
    );
    let rotation = Mat3::translate(cx, cy)
        .mul(&Mat3::rotate(theta))
        .mul(&Mat3::translate(-cx, -cy));
    let mm_to_raster = Mat3::scale(f64::from(s)).mul(&Mat3::translate(
        -f64::from(region[0]),
        -f64::from(region[1]),
    ));
    let to_image = rotation.mul(&mm_to_raster);
    let projection = rotation
        .to_index_projection()
        .ok_or_else(|| GenError::Options {
            field: "capture",
            reason: "scan rotation is not invertible".into(),
        })?;
    let lid = Rgb([250, 250, 248]);
    let mut image = RgbImage::from_pixel(raster.width, raster.height, lid);
    warp_into(
        &drawn,
        projection,
        Interpolation::Bilinear,
        Border::Constant(lid),
        &mut image,
    );
    if !degrade_image {
        return Ok((image, to_image));
    }
    let mut image = degrade::defocus(&image, rng.random_range(0.3..0.6f32));
    degrade::light_and_noise(&mut image, &Lighting::random_scan(rng), rng);
    if rng.random_bool(0.5) {
        image = degrade::jpeg_round_trip(&image, rng.random_range(85..=95u8))?;
    }
    Ok((image, to_image))
}
