//! What is printed on a ticket: the digits, the code payloads and the Japanese text.

use rand::{Rng, RngExt};
use serde::{Deserialize, Serialize};
use vrs_ticket::municipality_check_digit;

/// The content of one ticket, before any layout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketContent {
    /// The 18 digits printed as the OCR line (OCR-B).
    pub line: String,
    /// QR payload (normally equal to `line`); `None` = ticket without a QR code.
    pub qr: Option<String>,
    /// NW-7 payload with start/stop letters, e.g. `A0000012345A`; `None` = no barcode.
    pub nw7: Option<String>,
    /// Issuing municipality in Japanese, e.g. 千代田区.
    pub municipality_name: String,
    /// Holder's name in Japanese, e.g. 山田 太郎.
    pub holder_name: String,
}

/// Real municipalities: the first five digits of the code (the sixth is the check digit) and the name.
const MUNICIPALITIES: [(&str, &str, &str); 40] = [
    ("13101", "東京都", "千代田区"),
    ("13102", "東京都", "中央区"),
    ("13103", "東京都", "港区"),
    ("13104", "東京都", "新宿区"),
    ("13109", "東京都", "品川区"),
    ("13112", "東京都", "世田谷区"),
    ("13113", "東京都", "渋谷区"),
    ("13120", "東京都", "練馬区"),
    ("13201", "東京都", "八王子市"),
    ("01100", "北海道", "札幌市"),
    ("01202", "北海道", "函館市"),
    ("02201", "青森県", "青森市"),
    ("04100", "宮城県", "仙台市"),
    ("07203", "福島県", "郡山市"),
    ("08201", "茨城県", "水戸市"),
    ("11100", "埼玉県", "さいたま市"),
    ("12100", "千葉県", "千葉市"),
    ("14100", "神奈川県", "横浜市"),
    ("14130", "神奈川県", "川崎市"),
    ("14204", "神奈川県", "鎌倉市"),
    ("15100", "新潟県", "新潟市"),
    ("17201", "石川県", "金沢市"),
    ("20201", "長野県", "長野市"),
    ("22100", "静岡県", "静岡市"),
    ("23100", "愛知県", "名古屋市"),
    ("23202", "愛知県", "岡崎市"),
    ("26100", "京都府", "京都市"),
    ("27100", "大阪府", "大阪市"),
    ("27140", "大阪府", "堺市"),
    ("28100", "兵庫県", "神戸市"),
    ("28201", "兵庫県", "姫路市"),
    ("29201", "奈良県", "奈良市"),
    ("33100", "岡山県", "岡山市"),
    ("34100", "広島県", "広島市"),
    ("37201", "香川県", "高松市"),
    ("38201", "愛媛県", "松山市"),
    ("40130", "福岡県", "福岡市"),
    ("43100", "熊本県", "熊本市"),
    ("46201", "鹿児島県", "鹿児島市"),
    ("47201", "沖縄県", "那覇市"),
];

const FAMILY_NAMES: [&str; 30] = [
    "佐藤",
    "鈴木",
    "高橋",
    "田中",
    "伊藤",
    "渡辺",
    "山本",
    "中村",
    "小林",
    "加藤",
    "吉田",
    "山田",
    "佐々木",
    "山口",
    "松本",
    "井上",
    "木村",
    "林",
    "斎藤",
    "清水",
    "山崎",
    "森",
    "池田",
    "橋本",
    "阿部",
    "石川",
    "山下",
    "中島",
    "石井",
    "小川",
];

const GIVEN_NAMES: [&str; 30] = [
    "太郎",
    "花子",
    "一郎",
    "健太",
    "美咲",
    "翔太",
    "陽菜",
    "大輔",
    "由美子",
    "誠",
    "さくら",
    "浩二",
    "直樹",
    "恵子",
    "拓也",
    "愛",
    "和子",
    "隆",
    "優子",
    "悠真",
    "結衣",
    "修",
    "明美",
    "翼",
    "真由美",
    "進",
    "ひろし",
    "千尋",
    "勇気",
    "静香",
];

const TOWNS: [&str; 12] = [
    "本町",
    "中央",
    "栄町",
    "緑町",
    "旭町",
    "桜丘",
    "東町",
    "西新町",
    "南台",
    "北野",
    "若葉",
    "富士見",
];

/// A municipality the generator knows: prefecture, name and the full six-digit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Municipality {
    pub prefecture: &'static str,
    pub name: &'static str,
    pub code: String,
}

fn code_with_check_digit(first_five: &str) -> String {
    let mut digits = [0u8; 5];
    for (d, b) in digits.iter_mut().zip(first_five.bytes()) {
        *d = b - b'0';
    }
    format!("{first_five}{}", municipality_check_digit(digits))
}

/// Every municipality the generator picks from.
pub fn municipalities() -> impl Iterator<Item = Municipality> {
    MUNICIPALITIES
        .iter()
        .map(|&(five, prefecture, name)| Municipality {
            prefecture,
            name,
            code: code_with_check_digit(five),
        })
}

/// The municipality a name belongs to, if the generator knows it.
pub fn municipality_by_name(name: &str) -> Option<Municipality> {
    municipalities().find(|m| m.name == name)
}

fn pick<'a, T>(rng: &mut (impl Rng + ?Sized), items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// A plausible street address in the municipality, for the form and sometimes the sticker.
pub fn random_address(rng: &mut (impl Rng + ?Sized), municipality_name: &str) -> String {
    let prefecture = municipality_by_name(municipality_name)
        .map(|m| m.prefecture)
        .unwrap_or("");
    format!(
        "{prefecture}{municipality_name}{}{}丁目{}番{}号",
        pick(rng, &TOWNS),
        rng.random_range(1..=5),
        rng.random_range(1..=30),
        rng.random_range(1..=20)
    )
}

fn random_ticket_number(rng: &mut (impl Rng + ?Sized)) -> String {
    let number: u64 = match rng.random_range(0..3) {
        // Small serials with many leading zeros, as most municipalities print.
        0 => rng.random_range(1..1_000_000),
        1 => rng.random_range(1..100_000_000),
        _ => rng.random_range(1..10_000_000_000),
    };
    format!("{number:010}")
}

impl TicketContent {
    /// A valid ticket with random content: QR on about 85 %, NW-7 of 10 or 18 digits or none.
    pub fn random(rng: &mut impl Rng) -> Self {
        let (five, _, name) = *pick(rng, &MUNICIPALITIES);
        let code = code_with_check_digit(five);
        let kind = *pick(rng, &[1u8, 1, 1, 2, 3]);
        let dose = *pick(rng, &[1u8, 1, 2, 2, 3, 3, 4, 5, 6, 7]);
        let number = random_ticket_number(rng);
        let line = format!("{kind}{dose}{code}{number}");
        let qr = rng.random_bool(0.85).then(|| line.clone());
        const GUARDS: [char; 6] = ['A', 'A', 'A', 'B', 'C', 'D'];
        let nw7_digits = match rng.random_range(0..10) {
            0..=4 => Some(line[8..].to_string()),
            5..=7 => Some(line.clone()),
            _ => None,
        };
        let nw7 = nw7_digits.map(|digits| {
            let start = *pick(rng, &GUARDS);
            let stop = if rng.random_bool(0.25) {
                *pick(rng, &GUARDS)
            } else {
                start
            };
            format!("{start}{digits}{stop}")
        });
        let holder_name = format!("{} {}", pick(rng, &FAMILY_NAMES), pick(rng, &GIVEN_NAMES));
        TicketContent {
            line,
            qr,
            nw7,
            municipality_name: name.to_string(),
            holder_name,
        }
    }

    /// The ticket number (券番号): the line's last ten digits.
    pub fn ticket_number(&self) -> &str {
        self.line.get(8..).unwrap_or("")
    }

    /// The municipality code: the line's digits 3–8.
    pub fn municipality_code(&self) -> &str {
        self.line.get(2..8).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn known_codes_get_their_published_check_digit() {
        let chiyoda = municipality_by_name("千代田区").unwrap();
        assert_eq!(chiyoda.code, "131016");
        let sapporo = municipality_by_name("札幌市").unwrap();
        assert_eq!(sapporo.code, "011002");
    }

    #[test]
    fn addresses_name_the_prefecture() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let address = random_address(&mut rng, "横浜市");
        assert!(address.starts_with("神奈川県横浜市"), "{address}");
    }
}
