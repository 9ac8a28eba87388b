//! The system fonts a ticket is printed with, loaded once per process.

use std::path::PathBuf;
use std::sync::OnceLock;

use ab_glyph::{Font, FontArc, GlyphId};

use crate::error::GenError;

/// Which typeface a piece of text is printed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FontKind {
    /// OCR-B, for the machine-read line only.
    OcrB,
    /// IPA Gothic (sans-serif, fixed-width kana and kanji).
    Gothic,
    /// IPA P Gothic (proportional).
    GothicP,
    /// IPA Mincho (serif).
    Mincho,
}

struct FontFile {
    kind: FontKind,
    path: &'static str,
    package: &'static str,
}

const FONT_FILES: [FontFile; 4] = [
    FontFile {
        kind: FontKind::OcrB,
        path: "/usr/share/fonts/opentype/ocr-b/OCRB.otf",
        package: "fonts-ocr-b",
    },
    FontFile {
        kind: FontKind::Gothic,
        path: "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf",
        package: "fonts-ipafont-gothic",
    },
    FontFile {
        kind: FontKind::GothicP,
        path: "/usr/share/fonts/opentype/ipafont-gothic/ipagp.ttf",
        package: "fonts-ipafont-gothic",
    },
    FontFile {
        kind: FontKind::Mincho,
        path: "/usr/share/fonts/opentype/ipafont-mincho/ipam.ttf",
        package: "fonts-ipafont-mincho",
    },
];

/// Every font the generator uses, parsed.
pub struct Fonts {
    ocr_b: FontArc,
    gothic: FontArc,
    gothic_p: FontArc,
    mincho: FontArc,
}

static FONTS: OnceLock<Result<Fonts, GenError>> = OnceLock::new();

impl Fonts {
    /// The process-wide fonts, read from disk on first use.
    pub fn get() -> Result<&'static Fonts, GenError> {
        FONTS
            .get_or_init(Fonts::load)
            .as_ref()
            .map_err(Clone::clone)
    }

    fn load() -> Result<Fonts, GenError> {
        let mut loaded = Vec::with_capacity(FONT_FILES.len());
        for file in &FONT_FILES {
            let bytes = std::fs::read(file.path).map_err(|err| GenError::FontMissing {
                path: PathBuf::from(file.path),
                package: file.package,
                reason: err.to_string(),
            })?;
            let font = FontArc::try_from_vec(bytes).map_err(|err| GenError::FontMissing {
                path: PathBuf::from(file.path),
                package: file.package,
                reason: format!("not a readable font: {err}"),
            })?;
            loaded.push((file.kind, font));
        }
        let take = |kind: FontKind| {
            loaded
                .iter()
                .find(|(k, _)| *k == kind)
                .map(|(_, f)| f.clone())
        };
        match (
            take(FontKind::OcrB),
            take(FontKind::Gothic),
            take(FontKind::GothicP),
            take(FontKind::Mincho),
        ) {
            (Some(ocr_b), Some(gothic), Some(gothic_p), Some(mincho)) => Ok(Fonts {
                ocr_b,
                gothic,
                gothic_p,
                mincho,
            }),
            _ => unreachable!("every font kind is listed in FONT_FILES"),
        }
    }

    pub fn font(&self, kind: FontKind) -> &FontArc {
        match kind {
            FontKind::OcrB => &self.ocr_b,
            FontKind::Gothic => &self.gothic,
            FontKind::GothicP => &self.gothic_p,
            FontKind::Mincho => &self.mincho,
        }
    }

    /// Millimetres per font unit when the em is `size_mm` tall.
    fn mm_per_unit(&self, kind: FontKind, size_mm: f32) -> f32 {
        let upem = self.font(kind).units_per_em().unwrap_or(1000.0);
        size_mm / upem
    }

    /// Pen advance of one character in millimetres.
    pub fn advance_mm(&self, kind: FontKind, size_mm: f32, c: char) -> f32 {
        let font = self.font(kind);
        font.h_advance_unscaled(font.glyph_id(c)) * self.mm_per_unit(kind, size_mm)
    }

    /// Width of a run of text in millimetres, with `spacing_mm` added between characters.
    pub fn text_width_mm(&self, kind: FontKind, size_mm: f32, text: &str, spacing_mm: f32) -> f32 {
        let count = text.chars().count();
        let advances: f32 = text
            .chars()
            .map(|c| self.advance_mm(kind, size_mm, c))
            .sum();
        advances + spacing_mm * count.saturating_sub(1) as f32
    }

    /// The ink's bounding box of one glyph relative to its pen position on the baseline,
    /// in millimetres, y down: (left, top, right, bottom). `None` for blank glyphs.
    pub fn ink_box_mm(&self, kind: FontKind, size_mm: f32, id: GlyphId) -> Option<[f32; 4]> {
        let outline = self.font(kind).outline(id)?;
        let k = self.mm_per_unit(kind, size_mm);
        // ab_glyph's unscaled outline bounds are y-up with `min.y` holding the top; order them
        // explicitly so the box does not depend on that convention.
        let (b, m) = (outline.bounds.min, outline.bounds.max);
        let (up, down) = (b.y.max(m.y), b.y.min(m.y));
        Some([b.x.min(m.x) * k, -up * k, b.x.max(m.x) * k, -down * k])
    }

    /// The ink's bounding box of a run of text whose pen starts at (x, baseline), millimetres.
    pub fn text_ink_box_mm(
        &self,
        kind: FontKind,
        size_mm: f32,
        text: &str,
        spacing_mm: f32,
        x: f32,
        baseline: f32,
    ) -> Option<[f32; 4]> {
        let font = self.font(kind);
        let mut pen = x;
        let mut acc: Option<[f32; 4]> = None;
        for c in text.chars() {
            let id = font.glyph_id(c);
            if let Some(b) = self.ink_box_mm(kind, size_mm, id) {
                let g = [pen + b[0], baseline + b[1], pen + b[2], baseline + b[3]];
                acc = Some(match acc {
                    None => g,
                    Some(a) => [
                        a[0].min(g[0]),
                        a[1].min(g[1]),
                        a[2].max(g[2]),
                        a[3].max(g[3]),
                    ],
                });
            }
            pen += self.advance_mm(kind, size_mm, c) + spacing_mm;
        }
        acc
    }
}
