//! The pre-screening form (予診票) the sticker is pasted on: lines, boxes and Japanese text
//! that a camera sees around the ticket.

use rand::{Rng, RngExt};

use crate::content::{random_address, TicketContent};
use crate::error::GenError;
use crate::fonts::{FontKind, Fonts};
use crate::scene::{Scene, Shape};
use crate::sticker::{self, StickerGeometry};

/// A4 portrait, millimetres.
pub const PAGE_MM: [f32; 2] = [210.0, 297.0];

const TITLES: [&str; 4] = [
    "新型コロナワクチン予診票",
    "新型コロナワクチン接種の予診票",
    "予診票（新型コロナワクチン接種用）",
    "新型コロナウイルスワクチン予診票",
];

const QUESTIONS: [&str; 10] = [
    "今日、体に具合が悪いところはありますか。",
    "現在、何らかの病気にかかって治療（投薬など）を受けていますか。",
    "最近1か月以内に熱が出たり、病気にかかったりしましたか。",
    "今日の体温は何度ですか。",
    "けいれん（ひきつけ）を起こしたことがありますか。",
    "薬や食品などで、重いアレルギー症状を起こしたことがありますか。",
    "これまでに予防接種を受けて具合が悪くなったことはありますか。",
    "現在妊娠している可能性はありますか。または授乳中ですか。",
    "2週間以内に予防接種を受けましたか。",
    "今日の予防接種について質問がありますか。",
];

/// The page as laid out: its paper colour and where the sticker went.
pub struct Form {
    pub scene: Scene,
    pub paper: [u8; 3],
    pub sticker: StickerGeometry,
}

fn form_ink(rng: &mut (impl Rng + ?Sized)) -> [u8; 3] {
    let inks: [[u8; 3]; 4] = [[30, 30, 34], [25, 45, 110], [20, 85, 60], [110, 50, 40]];
    if rng.random_bool(0.6) {
        sticker::ink(rng)
    } else {
        inks[rng.random_range(0..inks.len())]
    }
}

/// Lays out a whole form with the ticket's sticker pasted in its box.
pub fn layout_form(
    fonts: &Fonts,
    rng: &mut (impl Rng + ?Sized),
    content: &TicketContent,
) -> Result<Form, GenError> {
    let paper_level = rng.random_range(238..=252u8);
    let paper = [
        paper_level,
        paper_level,
        paper_level.saturating_sub(rng.random_range(0..6)),
    ];
    let ink = form_ink(rng);
    let line = rng.random_range(0.18..0.35f32);
    let mut scene = Scene::default();

    let title = TITLES[rng.random_range(0..TITLES.len())];
    let title_size = rng.random_range(5.0..6.5f32);
    let title_width = fonts.text_width_mm(FontKind::Gothic, title_size, title, 0.0);
    scene.push(Shape::Text {
        font: FontKind::Gothic,
        size_mm: title_size,
        x: (PAGE_MM[0] - title_width) / 2.0,
        baseline: 16.0,
        text: title.to_string(),
        spacing_mm: 0.0,
        color: ink,
        bold: true,
    });

    // The box the sticker is pasted in: top right, sometimes top left.
    let box_w = rng.random_range(70.0..80.0f32);
    let box_h = rng.random_range(42.0..50.0f32);
    let on_right = rng.random_bool(0.75);
    let box_x = if on_right {
        PAGE_MM[0] - 12.0 - box_w
    } else {
        12.0
    };
    let box_y = rng.random_range(22.0..28.0f32);
    scene.frame(box_x, box_y, box_w, box_h, line, ink);
    let label = [
        "接種券貼付欄",
        "券番号シール貼付欄",
        "接種券（シール）を貼ってください",
    ][rng.random_range(0..3)];
    scene.text(FontKind::Gothic, 2.4, box_x + 1.5, box_y + 3.4, label, ink);

    // The personal-details table beside the box.
    let table_x = if on_right { 12.0 } else { box_x + box_w + 4.0 };
    let table_w = PAGE_MM[0] - 24.0 - box_w - 4.0;
    let row_h = box_h / 4.0;
    let labels = ["住所", "フリガナ／氏名", "生年月日", "電話番号"];
    let label_w = 22.0;
    for (i, text) in labels.iter().enumerate() {
        let y = box_y + i as f32 * row_h;
        scene.frame(table_x, y, table_w, row_h + line, line, ink);
        scene.rect(table_x + label_w, y, line, row_h, ink);
        scene.text(
            FontKind::Gothic,
            2.6,
            table_x + 1.5,
            y + row_h / 2.0 + 1.0,
            *text,
            ink,
        );
    }
    let filled = rng.random_bool(0.5);
    if filled {
        let hand = [40, 40, 60];
        let address = random_address(rng, &content.municipality_name);
        let value_x = table_x + label_w + 2.0;
        let size =
            3.2f32.min((table_w - label_w - 4.0) / address.chars().count().max(1) as f32 * 1.05);
        scene.text(
            FontKind::Mincho,
            size,
            value_x,
            box_y + row_h * 0.5 + 1.2,
            address,
            hand,
        );
        scene.text(
            FontKind::Mincho,
            4.0,
            value_x,
            box_y + row_h * 1.5 + 1.6,
            content.holder_name.clone(),
            hand,
        );
    }
    scene.text(
        FontKind::Gothic,
        2.4,
        table_x + label_w + 2.0,
        box_y + row_h * 2.5 + 1.0,
        "明治・大正・昭和・平成　　年　　月　　日生（満　　歳）",
        ink,
    );

    // The sticker, pasted by hand: somewhere in its box, not always squarely.
    let sx = box_x + rng.random_range(2.0..(box_w - 63.0 - 2.0).max(2.5));
    let sy = box_y + rng.random_range(4.5..(box_h - 35.0 - 1.0).max(5.0));
    let sticker = sticker::draw_sticker(&mut scene, fonts, rng, content, sx, sy)?;

    // The questionnaire below.
    let q_top = box_y + box_h + rng.random_range(6.0..12.0f32);
    scene.text(
        FontKind::Gothic,
        3.0,
        12.0,
        q_top - 2.0,
        "※太枠内にご記入ください。",
        ink,
    );
    let q_row = rng.random_range(9.0..12.0f32);
    let q_w = PAGE_MM[0] - 24.0;
    let answer_x = 12.0 + q_w * 0.62;
    let doctor_x = 12.0 + q_w * 0.82;
    scene.frame(12.0, q_top, q_w, q_row * 0.7, line, ink);
    scene.text(
        FontKind::Gothic,
        2.8,
        14.0,
        q_top + q_row * 0.45,
        "質問事項",
        ink,
    );
    scene.text(
        FontKind::Gothic,
        2.8,
        answer_x + 3.0,
        q_top + q_row * 0.45,
        "回答欄",
        ink,
    );
    scene.text(
        FontKind::Gothic,
        2.8,
        doctor_x + 2.0,
        q_top + q_row * 0.45,
        "医師記入欄",
        ink,
    );
    let mut y = q_top + q_row * 0.7;
    for question in QUESTIONS.iter() {
        scene.frame(12.0, y, q_w, q_row + line, line, ink);
        scene.rect(answer_x, y, line, q_row, ink);
        scene.rect(doctor_x, y, line, q_row, ink);
        scene.text(
            FontKind::Gothic,
            2.7,
            14.0,
            y + q_row / 2.0 + 1.0,
            *question,
            ink,
        );
        let size = 2.7;
        scene.frame(answer_x + 2.0, y + q_row / 2.0 - 2.0, 2.6, 2.6, 0.2, ink);
        scene.text(
            FontKind::Gothic,
            size,
            answer_x + 5.0,
            y + q_row / 2.0 + 0.9,
            "はい",
            ink,
        );
        scene.frame(answer_x + 12.0, y + q_row / 2.0 - 2.0, 2.6, 2.6, 0.2, ink);
        scene.text(
            FontKind::Gothic,
            size,
            answer_x + 15.0,
            y + q_row / 2.0 + 0.9,
            "いいえ",
            ink,
        );
        if filled && rng.random_bool(0.8) {
            // A hand-drawn check mark, as a short thick stroke pair.
            let cx = answer_x + if rng.random_bool(0.8) { 12.6 } else { 2.6 };
            let cy = y + q_row / 2.0 - 1.0;
            scene.rect(cx, cy, 0.5, 1.2, [40, 40, 60]);
            scene.rect(cx + 0.3, cy + 0.9, 1.8, 0.45, [40, 40, 60]);
        }
        y += q_row;
    }
    scene.text(
        FontKind::Mincho,
        2.6,
        12.0,
        y + 6.0,
        "医師の診察・説明を受け、接種の効果や副反応などについて理解した上で、接種を希望しますか。",
        ink,
    );
    scene.frame(12.0, y + 9.0, q_w, 14.0, line, ink);
    scene.text(
        FontKind::Gothic,
        3.0,
        16.0,
        y + 17.5,
        "接種を希望します　・　接種を希望しません",
        ink,
    );
    scene.text(FontKind::Gothic, 2.8, 120.0, y + 17.5, "本人の署名", ink);
    scene.rect(140.0, y + 19.0, 55.0, line, ink);

    Ok(Form {
        scene,
        paper,
        sticker,
    })
}
