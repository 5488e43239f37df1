//! Report languages: `report.html` is rendered in English and, with `--lang ja`, its fixed labels
//! (headings, column names, evidence levels, access routes, the expert-panel statement) are put
//! in Japanese. Text from the knowledge base, the run's warnings and the reasons stay in English.
//!
//! The Japanese labels follow C-CAT's findings report (C-CAT調査結果) and the JSMO/JSCO/JCA
//! guidance as quoted by the NCC/Keio press release of 2026-01-08 (levels A（国内承認薬あり）/
//! A（国内承認薬なし）, B-E) and the MHLW working-group material; labels marked "proposed" in
//! `data/README.md`-style review (R（耐性）, 検査の限界, 確認者) had no source and need a Japanese
//! clinician's sign-off.

pub use crate::types::report::Lang;

/// (English, Japanese) for whole element contents of the rendered page.
pub const JA: &[(&str, &str)] = &[
    ("Cancer genomic profiling report", "がんゲノムプロファイリング検査 報告書"),
    ("Basic items", "基本項目（患者・医療機関・検査に関する情報）"),
    ("Quality control", "検体およびデータの品質"),
    ("Biomarkers", "バイオマーカー"),
    ("Expert panel", "エキスパートパネル"),
    ("Alterations by evidence level (one row per drug)", "調査結果（エビデンスレベル別、薬剤ごと）"),
    ("Resistance (level R)", "耐性（R）"),
    ("Prognostic and diagnostic findings", "予後・診断に関するエビデンス"),
    ("Copy number", "コピー数異常"),
    ("Structural variants and fusions", "構造異常・融合遺伝子"),
    ("Not assessed", "評価していない項目"),
    ("Germline findings (secondary findings)", "二次的所見（Germline findings）"),
    ("Candidate clinical trials", "候補となる臨床試験一覧"),
    ("Appendix: somatic variants", "付録：体細胞バリアント一覧"),
    ("Variant allele fractions", "バリアントアレル頻度"),
    ("Evidence-level definitions", "エビデンスレベル定義"),
    ("Software, knowledge base and inputs", "使用ソフトウェア・データベースのバージョン"),
    ("Limitations and disclaimer", "検査の限界・注意事項・免責事項"),
    ("Sign-off", "エキスパートパネル検討結果"),
    ("Patient ID", "患者ID"),
    ("Institution", "医療機関"),
    ("Specimen ID", "検体ID"),
    ("Specimen type", "検体種別"),
    ("Collection date", "検体採取日"),
    ("Test", "検査名"),
    ("Genome build", "参照ゲノム"),
    ("Tumor sample", "腫瘍検体"),
    ("Sample ID", "検体ID"),
    ("Tumor sample (read group)", "腫瘍検体（リードグループ）"),
    ("Matched normal", "正常検体"),
    ("Analysis", "解析"),
    ("Cancer type", "がん種"),
    ("Tumor content", "腫瘍細胞含有率"),
    ("Run id", "解析ID"),
    ("not given", "記載なし"),
    ("Level", "エビデンスレベル"),
    ("Gene", "遺伝子"),
    ("Alteration", "遺伝子異常"),
    ("Drug / regimen", "薬剤"),
    ("Status for this cancer type", "当該がん種での承認状況"),
    ("Access route in Japan", "国内での使用方法"),
    ("Notes", "備考"),
    ("Sources", "出典"),
    ("Biomarker", "バイオマーカー"),
    ("Result", "結果"),
    ("Basis", "根拠"),
    ("Source", "出典"),
    ("TMB", "腫瘍遺伝子変異量（TMB）"),
    ("MSI", "マイクロサテライト不安定性（MSI）"),
    ("not evaluable", "評価不能"),
    ("not assessed", "評価していない"),
    ("measured in this analysis", "本解析で測定"),
    ("user-supplied, not measured by this analysis", "利用者入力値（本解析では測定していない）"),
    ("Sample", "検体"),
    ("Mean depth", "平均深度"),
    ("Median depth", "深度中央値"),
    ("Duplicates", "重複リード"),
    ("Mapped", "マップ率"),
    ("Median insert", "インサート長中央値"),
    ("Position", "位置"),
    ("Consequence", "影響"),
    ("Location", "部位"),
    ("Depth", "深度"),
    ("Oncogenicity", "発がん性"),
    ("Evidence", "エビデンス"),
    ("Variant", "バリアント"),
    ("Zygosity (normal VAF, depth)", "接合性（正常検体VAF・深度）"),
    ("Class", "分類"),
    ("Disorder", "疾患"),
    ("Disclosure grade (Japan)", "開示推奨度"),
    ("Reviewed by (expert panel)", "確認者（エキスパートパネル）"),
    ("Date of review", "検討日"),
    ("Signature", "署名"),
    ("Comments", "コメント"),
    ("A (approved in Japan)", "A（国内承認薬あり）"),
    ("A (FDA-approved)", "A（国内承認薬なし：FDA承認）"),
    ("A (guideline)", "A（国内承認薬なし：ガイドライン記載）"),
    ("A (US-approved / guideline)", "A（国内承認薬なし）"),
    ("R", "R（耐性）"),
    ("approved in Japan for this cancer type (insurance-covered)", "当該がん種で国内承認（保険診療）"),
    ("approved in Japan for another cancer type: off-label use through a clinical trial, patient-proposed healthcare or advanced medical care", "他がん種で国内承認：適応外（臨床試験・患者申出療養・先進医療）"),
    ("not approved in Japan (approved abroad or recommended in guidelines): clinical trial or patient-proposed healthcare", "国内未承認（海外承認またはガイドライン記載）：臨床試験・患者申出療養"),
    ("investigational: clinical trial", "開発中：臨床試験"),
    ("expected to be ineffective (resistance)", "効果が期待できない（耐性）"),
    ("Every case is reviewed by the expert panel (required for insurance-covered gene-panel testing in Japan); this software cannot waive that review. The priority below only orders the panel's discussion.", "すべての症例はエキスパートパネルで検討される（保険診療のがん遺伝子パネル検査で必須）。本ソフトウェアはその検討を省略できない。以下の優先度は検討の順序の目安にすぎない。"),
    ("Discussion priority: QC failed: re-test", "検討の優先度：QC不合格・再検査"),
    ("Discussion priority: actionable: discuss first", "検討の優先度：要判断・優先して検討"),
    ("Discussion priority: routine review", "検討の優先度：通常"),
];

/// Puts the page's fixed labels in `lang` (whole element contents only: `>label<`).
pub fn translate(html: String, lang: Lang) -> String {
    match lang {
        Lang::En => html,
        Lang::Ja => {
            let mut out = html.replacen("<html lang=\"en\">", "<html lang=\"ja\">", 1);
            for (en, ja) in JA {
                let from = format!(">{}<", super::html::esc(en));
                if out.contains(&from) {
                    out = out.replace(&from, &format!(">{ja}<"));
                }
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_whole_labels_are_translated() {
        let html = "<html lang=\"en\"><h2>Biomarkers</h2><td>Biomarkers of X</td><td>A (approved in Japan)</td>".to_string();
        let ja = translate(html.clone(), Lang::Ja);
        assert!(ja.contains("<html lang=\"ja\">"));
        assert!(ja.contains("<h2>バイオマーカー</h2>"));
        assert!(
            ja.contains("<td>Biomarkers of X</td>"),
            "a longer text is left alone"
        );
        assert!(ja.contains("A（国内承認薬あり）"));
        assert_eq!(translate(html.clone(), Lang::En), html);
        assert_eq!(Lang::parse("ja"), Some(Lang::Ja));
        assert_eq!(Lang::parse("jp"), None);
    }
}
