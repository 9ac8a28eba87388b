//! A flat scene in millimetres (x right, y down) and its rasteriser.
//!
//! Layout code fills a [`Scene`] once; the camera or scanner then rasterises only the part it sees,
//! at the resolution it needs.

use ab_glyph::{point, Font, PxScale};
use image::{Rgb, RgbImage};

use crate::fonts::{FontKind, Fonts};

/// One printed element.
#[derive(Debug, Clone)]
pub enum Shape {
    /// A filled axis-aligned rectangle, `alpha` in 0–1.
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        color: [u8; 3],
        alpha: f32,
    },
    /// A run of text, pen starting at (x, baseline).
    Text {
        font: FontKind,
        size_mm: f32,
        x: f32,
        baseline: f32,
        text: String,
        spacing_mm: f32,
        color: [u8; 3],
        bold: bool,
    },
    /// A square grid of dark modules (a QR symbol), `bits` row-major, `true` = dark.
    Modules {
        x: f32,
        y: f32,
        module_mm: f32,
        side: usize,
        bits: Vec<bool>,
        color: [u8; 3],
    },
}

/// Everything printed on the page, in painting order.
#[derive(Debug, Clone, Default)]
pub struct Scene {
    pub shapes: Vec<Shape>,
}

/// The raster a scene is drawn into: which millimetres it covers and how finely.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Raster {
    /// Millimetre position of the raster's top-left corner.
    pub origin_mm: [f32; 2],
    pub px_per_mm: f32,
    pub width: u32,
    pub height: u32,
}

impl Raster {
    /// Raster coordinates (pixel edges at integers) of a point in millimetres.
    pub fn to_px(self, x: f32, y: f32) -> (f32, f32) {
        (
            (x - self.origin_mm[0]) * self.px_per_mm,
            (y - self.origin_mm[1]) * self.px_per_mm,
        )
    }
}

impl Scene {
    pub fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, color: [u8; 3]) {
        self.shapes.push(Shape::Rect {
            x,
            y,
            w,
            h,
            color,
            alpha: 1.0,
        });
    }

    pub fn rect_alpha(&mut self, x: f32, y: f32, w: f32, h: f32, color: [u8; 3], alpha: f32) {
        self.shapes.push(Shape::Rect {
            x,
            y,
            w,
            h,
            color,
            alpha,
        });
    }

    /// The outline of a rectangle drawn with lines `line_mm` thick, inside the box.
    pub fn frame(&mut self, x: f32, y: f32, w: f32, h: f32, line_mm: f32, color: [u8; 3]) {
        self.rect(x, y, w, line_mm, color);
        self.rect(x, y + h - line_mm, w, line_mm, color);
        self.rect(x, y, line_mm, h, color);
        self.rect(x + w - line_mm, y, line_mm, h, color);
    }

    #[allow(clippy::too_many_arguments)]
    pub fn text(
        &mut self,
        font: FontKind,
        size_mm: f32,
        x: f32,
        baseline: f32,
        text: impl Into<String>,
        color: [u8; 3],
    ) {
        self.shapes.push(Shape::Text {
            font,
            size_mm,
            x,
            baseline,
            text: text.into(),
            spacing_mm: 0.0,
            color,
            bold: false,
        });
    }

    /// Pushes a shape as is (for text with spacing or weight).
    pub fn push(&mut self, shape: Shape) {
        self.shapes.push(shape);
    }

    /// Paints the scene into a new image covering `raster`, starting from `paper`.
    pub fn render(&self, fonts: &Fonts, raster: &Raster, paper: [u8; 3]) -> RgbImage {
        let mut image = RgbImage::from_pixel(raster.width, raster.height, Rgb(paper));
        for shape in &self.shapes {
            match shape {
                Shape::Rect {
                    x,
                    y,
                    w,
                    h,
                    color,
                    alpha,
                } => fill_rect(&mut image, raster, [*x, *y, *w, *h], *color, *alpha),
                Shape::Text {
                    font,
                    size_mm,
                    x,
                    baseline,
                    text,
                    spacing_mm,
                    color,
                    bold,
                } => {
                    let run = TextRun {
                        font: *font,
                        size_mm: *size_mm,
                        x: *x,
                        baseline: *baseline,
                        text,
                        spacing_mm: *spacing_mm,
                        color: *color,
                    };
                    draw_text(&mut image, raster, fonts, &run, 0.0);
                    if *bold {
                        let offset = (0.07 * raster.px_per_mm).clamp(0.35, 1.2) / raster.px_per_mm;
                        draw_text(&mut image, raster, fonts, &run, offset);
                    }
                }
                Shape::Modules {
                    x,
                    y,
                    module_mm,
                    side,
                    bits,
                    color,
                } => fill_modules(
                    &mut image,
                    raster,
                    [*x, *y],
                    *module_mm,
                    *side,
                    bits,
                    *color,
                ),
            }
        }
        image
    }
}

#[inline]
fn blend(pixel: &mut Rgb<u8>, color: [u8; 3], alpha: f32) {
    for (c, &t) in pixel.0.iter_mut().zip(color.iter()) {
        let v = f32::from(*c) + (f32::from(t) - f32::from(*c)) * alpha;
        *c = v.round().clamp(0.0, 255.0) as u8;
    }
}

/// Overlap of pixel [i, i+1) with [a, b).
#[inline]
fn coverage(i: i64, a: f32, b: f32) -> f32 {
    let lo = (i as f32).max(a);
    let hi = ((i + 1) as f32).min(b);
    (hi - lo).max(0.0)
}

fn fill_rect(image: &mut RgbImage, raster: &Raster, rect: [f32; 4], color: [u8; 3], alpha: f32) {
    let (x0, y0) = raster.to_px(rect[0], rect[1]);
    let (x1, y1) = raster.to_px(rect[0] + rect[2], rect[1] + rect[3]);
    let (w, h) = (i64::from(image.width()), i64::from(image.height()));
    let ix0 = (x0.floor() as i64).max(0);
    let ix1 = (x1.ceil() as i64).min(w);
    let iy0 = (y0.floor() as i64).max(0);
    let iy1 = (y1.ceil() as i64).min(h);
    if ix0 >= ix1 || iy0 >= iy1 {
        return;
    }
    let column: Vec<f32> = (ix0..ix1).map(|i| coverage(i, x0, x1)).collect();
    for j in iy0..iy1 {
        let cy = coverage(j, y0, y1) * alpha;
        if cy <= 0.0 {
            continue;
        }
        for (i, cx) in (ix0..ix1).zip(column.iter()) {
            let a = cx * cy;
            if a > 0.0 {
                blend(image.get_pixel_mut(i as u32, j as u32), color, a);
            }
        }
    }
}

struct TextRun<'a> {
    font: FontKind,
    size_mm: f32,
    x: f32,
    baseline: f32,
    text: &'a str,
    spacing_mm: f32,
    color: [u8; 3],
}

fn draw_text(image: &mut RgbImage, raster: &Raster, fonts: &Fonts, run: &TextRun, dx_mm: f32) {
    let font = fonts.font(run.font);
    let upem = font.units_per_em().unwrap_or(1000.0);
    // ab_glyph scales by ascent−descent, not by the em.
    let px_scale = PxScale::from(run.size_mm * raster.px_per_mm * font.height_unscaled() / upem);
    let (w, h) = (image.width() as f32, image.height() as f32);
    let mut pen = run.x + dx_mm;
    for c in run.text.chars() {
        let advance = fonts.advance_mm(run.font, run.size_mm, c);
        let (px, py) = raster.to_px(pen, run.baseline);
        pen += advance + run.spacing_mm;
        // Skip glyphs entirely outside the raster before outlining them.
        let em_px = run.size_mm * raster.px_per_mm;
        if px > w + em_px || px + 2.0 * em_px < 0.0 || py - 1.5 * em_px > h || py + em_px < 0.0 {
            continue;
        }
        let glyph = font
            .glyph_id(c)
            .with_scale_and_position(px_scale, point(px, py));
        let Some(outlined) = font.outline_glyph(glyph) else {
            continue;
        };
        let bounds = outlined.px_bounds();
        let (bx, by) = (bounds.min.x as i64, bounds.min.y as i64);
        let (iw, ih) = (i64::from(image.width()), i64::from(image.height()));
        outlined.draw(|gx, gy, cov| {
            let x = bx + i64::from(gx);
            let y = by + i64::from(gy);
            if cov > 0.0 && x >= 0 && y >= 0 && x < iw && y < ih {
                blend(
                    image.get_pixel_mut(x as u32, y as u32),
                    run.color,
                    cov.min(1.0),
                );
            }
        });
    }
}

/// Area-samples a module grid (4×4 per pixel) so that touching modules leave no seams.
fn fill_modules(
    image: &mut RgbImage,
    raster: &Raster,
    at: [f32; 2],
    module_mm: f32,
    side: usize,
    bits: &[bool],
    color: [u8; 3],
) {
    const SUB: usize = 4;
    let (x0, y0) = raster.to_px(at[0], at[1]);
    let module_px = module_mm * raster.px_per_mm;
    let extent = module_px * side as f32;
    let (w, h) = (i64::from(image.width()), i64::from(image.height()));
    let ix0 = (x0.floor() as i64).max(0);
    let iy0 = (y0.floor() as i64).max(0);
    let ix1 = ((x0 + extent).ceil() as i64).min(w);
    let iy1 = ((y0 + extent).ceil() as i64).min(h);
    let dark_at = |px: f32, py: f32| -> bool {
        let mx = ((px - x0) / module_px).floor();
        let my = ((py - y0) / module_px).floor();
        if mx < 0.0 || my < 0.0 {
            return false;
        }
        let (mx, my) = (mx as usize, my as usize);
        mx < side && my < side && bits.get(my * side + mx).copied().unwrap_or(false)
    };
    for j in iy0..iy1 {
        for i in ix0..ix1 {
            let mut hits = 0usize;
            for sy in 0..SUB {
                for sx in 0..SUB {
                    let px = i as f32 + (sx as f32 + 0.5) / SUB as f32;
                    let py = j as f32 + (sy as f32 + 0.5) / SUB as f32;
                    hits += usize::from(dark_at(px, py));
                }
            }
            if hits > 0 {
                let a = hits as f32 / (SUB * SUB) as f32;
                blend(image.get_pixel_mut(i as u32, j as u32), color, a);
            }
        }
    }
}
