/// Presets for the vaccine makers used in Japan, as shown to staff (free text is allowed too).
pub const VACCINE_MAKERS: &[&str] = &[
    "ファイザー",
    "モデルナ",
    "アストラゼネカ",
    "武田（ノババックス）",
    "第一三共",
    "Meiji Seika ファルマ",
];
