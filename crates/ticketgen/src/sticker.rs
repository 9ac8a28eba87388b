//! The ticket sticker (接種券): its layout varies between municipalities.

use qrcode::{Color, EcLevel, QrCode};
use rand::{Rng, RngExt};

use crate::codabar;
use crate::content::TicketContent;
use crate::error::GenError;
use crate::fonts::{FontKind, Fonts};
use crate::scene::{Scene, Shape};

/// OCR line em size: 9 pt.
const OCR_EM_MM: f32 = 9.0 * 25.4 / 72.0;
/// NW-7 bar height from the guide.
const NW7_HEIGHT_MM: f32 = 5.6;

/// Where the sticker and its machine-read parts ended up, millimetres on the page.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StickerGeometry {
    /// x, y, width, height of the sticker.
    pub rect: [f32; 4],
    /// Tight ink box of the OCR line: left, top, right, bottom.
    pub line_box: [f32; 4],
    /// QR symbol without its quiet zone: left, top, right, bottom.
    pub qr_box: Option<[f32; 4]>,
    /// NW-7 bars from first to last: left, top, right, bottom.
    pub nw7_box: Option<[f32; 4]>,
}

const HEADINGS: [&str; 7] = [
    "新型コロナワクチン接種券",
    "新型コロナウイルスワクチン接種券",
    "予防接種券",
    "新型コロナワクチン 接種券",
    "接種券（新型コロナワクチン）",
    "令和6年度 新型コロナワクチン接種券",
    "予防接種券（新型コロナウイルス感染症）",
];

const NUMBER_LABELS: [&str; 4] = ["券番号", "券番号", "接種券番号", "No."];

/// Near-black inks with a slight cast, as different printers give.
pub fn ink(rng: &mut (impl Rng + ?Sized)) -> [u8; 3] {
    let base = rng.random_range(10..45u8);
    [
        base.saturating_add(rng.random_range(0..8)),
        base.saturating_add(rng.random_range(0..8)),
        base.saturating_add(rng.random_range(0..12)),
    ]
}

fn sticker_paper(rng: &mut (impl Rng + ?Sized)) -> [u8; 3] {
    let tints: [[u8; 3]; 6] = [
        [250, 250, 247],
        [252, 251, 244],
        [255, 248, 232],
        [240, 246, 252],
        [253, 240, 243],
        [240, 250, 240],
    ];
    let pick = if rng.random_bool(0.55) {
        0
    } else {
        rng.random_range(0..tints.len())
    };
    tints[pick]
}

fn pick<'a, T>(rng: &mut (impl Rng + ?Sized), items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// Draws the sticker with its top-left corner at (x0, y0).
pub fn draw_sticker(
    scene: &mut Scene,
    fonts: &Fonts,
    rng: &mut (impl Rng + ?Sized),
    content: &TicketContent,
    x0: f32,
    y0: f32,
) -> Result<StickerGeometry, GenError> {
    let width = 63.0;
    let height = rng.random_range(33.0..=35.0f32);
    let ink = ink(rng);
    let paper = sticker_paper(rng);
    // The sticker's edge: a faint shadow of its thickness, then its paper.
    scene.rect_alpha(x0 + 0.15, y0 + 0.2, width, height, [90, 90, 90], 0.35);
    scene.rect(x0, y0, width, height, paper);

    let mut margin = rng.random_range(1.8..2.8f32);
    if rng.random_bool(0.45) {
        let inset = rng.random_range(0.7..1.4f32);
        let line = rng.random_range(0.15..0.3f32);
        scene.frame(
            x0 + inset,
            y0 + inset,
            width - 2.0 * inset,
            height - 2.0 * inset,
            line,
            ink,
        );
        margin += inset;
    }
    let left = x0 + margin;
    let right = x0 + width - margin;
    let bottom = y0 + height - margin;

    // OCR line: OCR-B 9 pt, pitch between the font's own advance and 10 characters per inch.
    let advance = fonts.advance_mm(FontKind::OcrB, OCR_EM_MM, '0');
    let spacing = rng.random_range(0.0..=(2.54 - advance).max(0.0));
    let line_width = fonts.text_width_mm(FontKind::OcrB, OCR_EM_MM, &content.line, spacing);
    let line_x = if rng.random_bool(0.5) {
        left + rng.random_range(0.0..=(right - left - line_width).clamp(0.0, 3.0))
    } else {
        x0 + (width - line_width) / 2.0
    };
    let digit_box = fonts
        .ink_box_mm(
            FontKind::OcrB,
            OCR_EM_MM,
            ab_glyph::Font::glyph_id(fonts.font(FontKind::OcrB), '0'),
        )
        .unwrap_or([0.0, -2.4, 1.6, 0.0]);
    let digit_height = digit_box[3] - digit_box[1];

    let barcode = content.nw7.is_some();
    let ocr_above_barcode = barcode && rng.random_bool(0.2);
    let gap = rng.random_range(1.4..2.4f32);
    let (line_baseline, nw7_top, region_bottom) = if ocr_above_barcode {
        let nw7_top = bottom - NW7_HEIGHT_MM;
        let baseline = nw7_top - gap;
        (baseline, Some(nw7_top), baseline - digit_height - gap)
    } else {
        let baseline = bottom - rng.random_range(0.1..0.8f32);
        let above = baseline - digit_height - gap;
        if barcode {
            let nw7_top = above - NW7_HEIGHT_MM;
            (
                baseline,
                Some(nw7_top),
                nw7_top - rng.random_range(0.8..1.6f32),
            )
        } else {
            (baseline, None, above)
        }
    };
    scene.push(Shape::Text {
        font: FontKind::OcrB,
        size_mm: OCR_EM_MM,
        x: line_x,
        baseline: line_baseline,
        text: content.line.clone(),
        spacing_mm: spacing,
        color: ink,
        bold: false,
    });
    let line_box = fonts
        .text_ink_box_mm(
            FontKind::OcrB,
            OCR_EM_MM,
            &content.line,
            spacing,
            line_x,
            line_baseline,
        )
        .unwrap_or([
            line_x,
            line_baseline - digit_height,
            line_x + line_width,
            line_baseline,
        ]);

    let nw7_box = match (&content.nw7, nw7_top) {
        (Some(payload), Some(top)) => {
            Some(draw_codabar(scene, rng, payload, left, right, top, ink)?)
        }
        _ => None,
    };

    // The upper region: heading, text rows, and the QR code.
    let top = y0 + margin;
    let qr_box = match &content.qr {
        Some(payload) => {
            let side = rng.random_range(9.5..=11.0f32).min(region_bottom - top);
            let qr_left = rng.random_bool(0.25);
            let qx = if qr_left { left } else { right - side };
            let qy = top + ((region_bottom - top - side) * rng.random_range(0.0..=1.0f32)).max(0.0);
            draw_qr(scene, rng, payload, qx, qy, side, ink)?;
            Some([qx, qy, qx + side, qy + side])
        }
        None => None,
    };
    let (text_left, text_right) = match qr_box {
        Some(b) if b[0] - left < 1.0 => (b[2] + 1.5, right),
        Some(b) => (left, b[0] - 1.5),
        None => (left, right),
    };
    draw_text_rows(
        scene,
        fonts,
        rng,
        content,
        [text_left, top, text_right, region_bottom],
        ink,
    );

    Ok(StickerGeometry {
        rect: [x0, y0, width, height],
        line_box,
        qr_box,
        nw7_box,
    })
}

fn draw_text_rows(
    scene: &mut Scene,
    fonts: &Fonts,
    rng: &mut (impl Rng + ?Sized),
    content: &TicketContent,
    area: [f32; 4],
    ink: [u8; 3],
) {
    let [left, top, right, bottom] = area;
    let body_font = *pick(
        rng,
        &[
            FontKind::Gothic,
            FontKind::Gothic,
            FontKind::Mincho,
            FontKind::GothicP,
        ],
    );
    let number_font = *pick(
        rng,
        &[FontKind::Gothic, FontKind::Mincho, FontKind::GothicP],
    );
    let mut rows: Vec<(FontKind, f32, String, bool)> = Vec::new();
    rows.push((
        FontKind::Gothic,
        rng.random_range(2.6..3.3),
        pick(rng, &HEADINGS).to_string(),
        rng.random_bool(0.6),
    ));
    let code = content.municipality_code();
    let municipality = match rng.random_range(0..4) {
        0 => content.municipality_name.clone(),
        1 => format!("{}長", content.municipality_name),
        2 => format!("発行 {}", content.municipality_name),
        _ => format!("{}（{}）", content.municipality_name, code),
    };
    rows.push((body_font, rng.random_range(2.2..2.8), municipality, false));
    rows.push((
        number_font,
        rng.random_range(2.4..3.0),
        format!("{} {}", pick(rng, &NUMBER_LABELS), content.ticket_number()),
        rng.random_bool(0.3),
    ));
    let honorific = if rng.random_bool(0.7) { " 様" } else { "" };
    rows.push((
        body_font,
        rng.random_range(2.5..3.1),
        format!("{}{}", content.holder_name, honorific),
        false,
    ));
    if content.nw7.is_none() && rng.random_bool(0.6) {
        rows.push((
            body_font,
            1.8,
            crate::content::random_address(rng, &content.municipality_name),
            false,
        ));
    }

    let natural: f32 = rows.iter().map(|r| r.1 * 1.3).sum();
    let fit_height = ((bottom - top) / natural).min(1.0);
    let mut y = top;
    let spare = ((bottom - top) - natural * fit_height).max(0.0) / rows.len() as f32;
    for (font, size, text, bold) in rows {
        let mut size = size * fit_height;
        let w = fonts.text_width_mm(font, size, &text, 0.0);
        if w > right - left {
            size *= (right - left) / w;
        }
        y += size * 1.05 + spare * 0.5;
        scene.push(Shape::Text {
            font,
            size_mm: size,
            x: left,
            baseline: y - size * 0.12,
            text,
            spacing_mm: 0.0,
            color: ink,
            bold,
        });
        y += size * 0.25 + spare * 0.5;
    }
}

fn draw_qr(
    scene: &mut Scene,
    rng: &mut (impl Rng + ?Sized),
    payload: &str,
    x: f32,
    y: f32,
    side_mm: f32,
    ink: [u8; 3],
) -> Result<(), GenError> {
    let level = *pick(
        rng,
        &[EcLevel::L, EcLevel::M, EcLevel::M, EcLevel::Q, EcLevel::H],
    );
    let code = QrCode::with_error_correction_level(payload, level).map_err(|err| GenError::Qr {
        payload: payload.to_string(),
        reason: err.to_string(),
    })?;
    let side = code.width();
    let bits: Vec<bool> = code.to_colors().iter().map(|c| *c == Color::Dark).collect();
    scene.push(Shape::Modules {
        x,
        y,
        module_mm: side_mm / side as f32,
        side,
        bits,
        color: ink,
    });
    Ok(())
}

fn draw_codabar(
    scene: &mut Scene,
    rng: &mut (impl Rng + ?Sized),
    payload: &str,
    left: f32,
    right: f32,
    top: f32,
    ink: [u8; 3],
) -> Result<[f32; 4], GenError> {
    let ratio = rng.random_range(2.5..=3.0f32);
    let widths = codabar::element_widths(payload, ratio)?;
    let units: f32 = widths.iter().sum();
    let digits = payload.len().saturating_sub(2);
    let wanted = if digits > 12 {
        rng.random_range(40.0..=55.0f32)
    } else {
        rng.random_range(28.0..=45.0f32)
    };
    // Keep a quiet zone of ten narrow bars on each side within the sticker.
    let narrow = (wanted / units).min((right - left) / (units + 20.0));
    let total = narrow * units;
    let x0 = if rng.random_bool(0.5) {
        left + 10.0 * narrow
    } else {
        (left + right - total) / 2.0
    };
    // Printers spread ink: bars come out a little wider than drawn.
    let gain = narrow * rng.random_range(0.0..0.12f32);
    let mut x = x0;
    for (i, w) in widths.iter().enumerate() {
        let span = w * narrow;
        if i % 2 == 0 {
            scene.rect(x - gain / 2.0, top, span + gain, NW7_HEIGHT_MM, ink);
        }
        x += span;
    }
    Ok([x0, top, x0 + total, top + NW7_HEIGHT_MM])
}
