//! A tablet camera photographing the form: a pinhole model gives the perspective, then the
//! picture is degraded as a real one would be.

use image::{Rgb, RgbImage};
use imageproc::geometric_transformations::{warp_into, Border, Interpolation};
use rand::{Rng, RngExt};

use crate::degrade::{self, Lighting};
use crate::error::GenError;
use crate::fonts::Fonts;
use crate::form::{Form, PAGE_MM};
use crate::geometry::Mat3;
use crate::scene::Raster;

/// The largest raster side rendered before warping; beyond it detail is lost anyway.
const MAX_RASTER_SIDE: f64 = 3200.0;

/// Camera intrinsics and pose relative to a target point on the page.
struct Pose {
    focal: f64,
    distance: f64,
    roll: f64,
    pitch: f64,
    yaw: f64,
    target: [f64; 2],
}

impl Pose {
    /// Page millimetres to continuous image pixels, the target at `centre`.
    fn homography(&self, centre: [f64; 2]) -> Mat3 {
        let rz = Mat3::rotate(self.roll).0;
        let (sp, cp) = self.pitch.sin_cos();
        let (sy, cy) = self.yaw.sin_cos();
        let rx = [[1.0, 0.0, 0.0], [0.0, cp, -sp], [0.0, sp, cp]];
        let ry = [[cy, 0.0, sy], [0.0, 1.0, 0.0], [-sy, 0.0, cy]];
        let r = Mat3(rz).mul(&Mat3(rx)).mul(&Mat3(ry)).0;
        // Camera coordinates of page point p: R·(p − target) + (0, 0, distance).
        let t = [
            -(r[0][0] * self.target[0] + r[0][1] * self.target[1]),
            -(r[1][0] * self.target[0] + r[1][1] * self.target[1]),
            self.distance - (r[2][0] * self.target[0] + r[2][1] * self.target[1]),
        ];
        let extrinsic = Mat3([
            [r[0][0], r[0][1], t[0]],
            [r[1][0], r[1][1], t[1]],
            [r[2][0], r[2][1], t[2]],
        ]);
        let intrinsic = Mat3([
            [self.focal, 0.0, centre[0]],
            [0.0, self.focal, centre[1]],
            [0.0, 0.0, 1.0],
        ]);
        intrinsic.mul(&extrinsic)
    }
}

fn roughly_normal(rng: &mut (impl Rng + ?Sized)) -> f64 {
    (0..4).map(|_| rng.random_range(-1.0..1.0f64)).sum::<f64>() * 0.866
}

fn corners(b: [f32; 4]) -> [(f64, f64); 4] {
    let [l, t, r, bt] = b.map(f64::from);
    [(l, t), (r, t), (r, bt), (l, bt)]
}

fn projected_bounds(h: &Mat3, b: [f32; 4]) -> [f64; 4] {
    let mut out = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
    for (x, y) in corners(b) {
        let (u, v) = h.apply(x, y);
        out = [out[0].min(u), out[1].min(v), out[2].max(u), out[3].max(v)];
    }
    out
}

/// The mean height in pixels of the OCR line's ends under `h`.
fn line_height_px(h: &Mat3, line: [f32; 4]) -> f64 {
    let c = corners(line).map(|(x, y)| h.apply(x, y));
    let left = ((c[3].0 - c[0].0).powi(2) + (c[3].1 - c[0].1).powi(2)).sqrt();
    let right = ((c[2].0 - c[1].0).powi(2) + (c[2].1 - c[1].1).powi(2)).sqrt();
    (left + right) / 2.0
}

/// Shift that keeps `[lo, hi]` within `[margin, size − margin]`, or `None` if it cannot fit.
fn shift_range(lo: f64, hi: f64, size: f64, margin: f64) -> Option<(f64, f64)> {
    let a = margin - lo;
    let b = size - margin - hi;
    (a <= b).then_some((a, b))
}

fn pick_shift(rng: &mut (impl Rng + ?Sized), range: (f64, f64)) -> f64 {
    if range.1 - range.0 < 1e-6 {
        range.0
    } else {
        rng.random_range(range.0..range.1)
    }
}

/// Photographs the form: returns the picture and the map from page millimetres to its pixels.
pub fn photograph(
    form: &Form,
    fonts: &Fonts,
    rng: &mut (impl Rng + ?Sized),
    size: [u32; 2],
    digit_px: [f32; 2],
    degrade_image: bool,
) -> Result<(RgbImage, Mat3), GenError> {
    let (width, height) = (f64::from(size[0]), f64::from(size[1]));
    let line = form.sticker.line_box;
    let sticker = form.sticker.rect;
    let sticker_box = [
        sticker[0],
        sticker[1],
        sticker[0] + sticker[2],
        sticker[1] + sticker[3],
    ];
    let want_px =
        f64::from(rng.random_range(digit_px[0]..=digit_px[1].max(digit_px[0]))) * height / 720.0;
    let digit_mm = f64::from(line[3] - line[1]).max(0.5);
    let focal = width * rng.random_range(0.75..1.1f64);
    let roll_deg = if rng.random_bool(0.85) {
        roughly_normal(rng) * 4.0
    } else {
        rng.random_range(-15.0..15.0f64)
    };
    let tilt = rng.random_range(0.0..28.0f64).to_radians();
    let tilt_dir = rng.random_range(0.0..std::f64::consts::TAU);
    let mut pose = Pose {
        focal,
        distance: focal * digit_mm / want_px,
        roll: roll_deg.to_radians(),
        pitch: tilt * tilt_dir.sin(),
        yaw: tilt * tilt_dir.cos(),
        target: [
            f64::from(sticker[0] + sticker[2] / 2.0),
            f64::from(sticker[1] + sticker[3] / 2.0),
        ],
    };
    let centre = [width / 2.0, height / 2.0];
    let measured = line_height_px(&pose.homography(centre), line);
    pose.distance *= measured / want_px;
    let centred = pose.homography(centre);

    // Place the ticket in the frame: whole when it fits (and mostly wanted), else the line.
    let margin = 0.03 * width.min(height);
    let sb = projected_bounds(&centred, sticker_box);
    let lb = projected_bounds(&centred, line);
    let whole = rng.random_bool(0.8);
    let range_x = shift_range(sb[0], sb[2], width, margin)
        .filter(|_| whole)
        .or_else(|| shift_range(lb[0], lb[2], width, margin))
        .unwrap_or((0.0, 0.0));
    let range_y = shift_range(sb[1], sb[3], height, margin)
        .filter(|_| whole)
        .or_else(|| shift_range(lb[1], lb[3], height, margin))
        .unwrap_or((0.0, 0.0));
    let shift = (pick_shift(rng, range_x), pick_shift(rng, range_y));
    let to_image = Mat3::translate(shift.0, shift.1).mul(&centred);

    let image = render_view(form, fonts, rng, &to_image, size)?;
    if !degrade_image {
        return Ok((image, to_image));
    }
    let mut image = degrade::defocus(
        &image,
        rng.random_range(0.25..1.3f32) * size[1] as f32 / 720.0,
    );
    if rng.random_bool(0.2) {
        let length = rng.random_range(2.0..6.0f32) * size[1] as f32 / 720.0;
        image = degrade::motion_blur(&image, length, rng.random_range(0.0..std::f32::consts::PI));
    }
    let lighting = Lighting::random_camera(rng, size[0], size[1]);
    degrade::light_and_noise(&mut image, &lighting, rng);
    let image = degrade::jpeg_round_trip(&image, rng.random_range(55..=92u8))?;
    Ok((image, to_image))
}

/// Renders the part of the page the camera sees, at about the camera's resolution, and warps it.
fn render_view(
    form: &Form,
    fonts: &Fonts,
    rng: &mut (impl Rng + ?Sized),
    to_image: &Mat3,
    size: [u32; 2],
) -> Result<RgbImage, GenError> {
    let invalid = |reason: &str| GenError::Options {
        field: "capture",
        reason: reason.to_string(),
    };
    let from_image = to_image
        .inverse()
        .ok_or_else(|| invalid("camera pose is degenerate"))?;
    let (w, h) = (f64::from(size[0]), f64::from(size[1]));
    let mut region = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
    for (u, v) in [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)] {
        let (x, y) = from_image.apply(u, v);
        region = [
            region[0].min(x),
            region[1].min(y),
            region[2].max(x),
            region[3].max(y),
        ];
    }
    // Only the page is drawn; the table around it is the warp's border colour.
    let page = [0.0, 0.0, f64::from(PAGE_MM[0]), f64::from(PAGE_MM[1])];
    let region = [
        (region[0] - 1.0).max(page[0]).floor(),
        (region[1] - 1.0).max(page[1]).floor(),
        (region[2] + 1.0).min(page[2]).ceil(),
        (region[3] + 1.0).min(page[3]).ceil(),
    ];
    let table = table_colour(rng);
    let mut out = RgbImage::from_pixel(size[0], size[1], Rgb(table));
    if region[2] <= region[0] || region[3] <= region[1] {
        return Ok(out);
    }
    let mut px_per_mm = [
        (region[0], region[1]),
        (region[2], region[1]),
        (region[2], region[3]),
        (region[0], region[3]),
    ]
    .iter()
    .map(|&(x, y)| to_image.local_scale(x, y))
    .fold(0.0f64, f64::max)
        * 1.1;
    let longest = (region[2] - region[0]).max(region[3] - region[1]);
    px_per_mm = px_per_mm.clamp(2.0, 40.0).min(MAX_RASTER_SIDE / longest);
    let raster = Raster {
        origin_mm: [region[0] as f32, region[1] as f32],
        px_per_mm: px_per_mm as f32,
        width: ((region[2] - region[0]) * px_per_mm).ceil().max(1.0) as u32,
        height: ((region[3] - region[1]) * px_per_mm).ceil().max(1.0) as u32,
    };
    let drawn = form.scene.render(fonts, &raster, form.paper);
    let raster_to_mm = Mat3::translate(region[0], region[1]).mul(&Mat3::scale(1.0 / px_per_mm));
    let projection = to_image
        .mul(&raster_to_mm)
        .to_index_projection()
        .ok_or_else(|| invalid("camera projection is not invertible"))?;
    warp_into(
        &drawn,
        projection,
        Interpolation::Bilinear,
        Border::Constant(Rgb(table)),
        &mut out,
    );
    Ok(out)
}

fn table_colour(rng: &mut (impl Rng + ?Sized)) -> [u8; 3] {
    let tables: [[u8; 3]; 6] = [
        [150, 112, 74],
        [186, 150, 108],
        [120, 122, 128],
        [205, 205, 198],
        [62, 62, 68],
        [226, 222, 210],
    ];
    let base = tables[rng.random_range(0..tables.len())];
    base.map(|c| c.saturating_add(rng.random_range(0..12)))
}
