//! MAF (Mutation Annotation Format) rows as vcf2maf writes them, for cBioPortal and cohort
//! tools: `#version 2.4`, then vcf2maf's first 46 columns in its order (the TCGA/GDC core 1-34,
//! then HGVSc … all_effects); the VEP columns vcf2maf appends after them are not written (we do
//! not run VEP).
//!
//! METHOD (vcf2maf 1.6 conventions, mskcc/vcf2maf `vcf2maf.pl`):
//! - alleles: the leading bases REF and ALT share are removed (POS moves right); an empty allele
//!   is `-`. SNP/DNP/TNP/ONP: Start..Start+len-1; insertion: Start = the base before, End = the
//!   base after, Reference_Allele `-`; deletion: Start..End = the deleted bases, allele 2 `-`;
//!   Tumor_Seq_Allele1 = the reference allele (heterozygous somatic call); Match_Norm_Seq_Allele1/2
//!   = the reference allele.
//! - Variant_Classification from the Sequence Ontology term (vcf2maf `GetVariantClassification`):
//!   [`classify`].
//! - HGVSp_Short: HGVSp with 1-letter amino acids and `*` for Ter; `p.X<codon>_splice` for splice
//!   donor/acceptor variants (codon = ceil(c./3) of the HGVSc position).
//! - Chromosome: `chr` removed, `chrM` → `MT` (cBioPortal drops `M`/`chrM`); other contig names
//!   are kept as they are.
//! - Entrez_Gene_Id: the NCBI Gene id the transcript models carry (the shipped MANE models do),
//!   else `0` (cBioPortal then resolves Hugo_Symbol); Center `.`,
//!   Strand `+`, dbSNP_RS empty (no dbSNP lookup), columns 15 and 20-34 empty.

use std::fmt::Write as _;

/// vcf2maf's columns 1-46, in order.
pub(crate) const COLUMNS: &[&str] = &[
    "Hugo_Symbol",
    "Entrez_Gene_Id",
    "Center",
    "NCBI_Build",
    "Chromosome",
    "Start_Position",
    "End_Position",
    "Strand",
    "Variant_Classification",
    "Variant_Type",
    "Reference_Allele",
    "Tumor_Seq_Allele1",
    "Tumor_Seq_Allele2",
    "dbSNP_RS",
    "dbSNP_Val_Status",
    "Tumor_Sample_Barcode",
    "Matched_Norm_Sample_Barcode",
    "Match_Norm_Seq_Allele1",
    "Match_Norm_Seq_Allele2",
    "Tumor_Validation_Allele1",
    "Tumor_Validation_Allele2",
    "Match_Norm_Validation_Allele1",
    "Match_Norm_Validation_Allele2",
    "Verification_Status",
    "Validation_Status",
    "Mutation_Status",
    "Sequencing_Phase",
    "Sequence_Source",
    "Validation_Method",
    "Score",
    "BAM_File",
    "Sequencer",
    "Tumor_Sample_UUID",
    "Matched_Norm_Sample_UUID",
    "HGVSc",
    "HGVSp",
    "HGVSp_Short",
    "Transcript_ID",
    "Exon_Number",
    "t_depth",
    "t_ref_count",
    "t_alt_count",
    "n_depth",
    "n_ref_count",
    "n_alt_count",
    "all_effects",
];

/// One somatic variant of one sample, with what the MAF needs.
#[derive(Clone, Debug, Default)]
pub struct MafInput {
    /// Tumor sample barcode (the batch's sample id).
    pub tumor: String,
    /// Normal sample barcode (empty for tumor-only).
    pub normal: String,
    /// Genome build (`GRCh38`).
    pub build: String,
    /// Contig as in the VCF.
    pub chrom: String,
    /// VCF POS.
    pub pos: u64,
    /// VCF REF.
    pub ref_allele: String,
    /// VCF ALT.
    pub alt: String,
    /// Gene symbol (None: outside every transcript model).
    pub gene: Option<String>,
    /// NCBI Gene id of `gene`, when the models carry it (the shipped ones do).
    pub entrez: Option<u32>,
    /// Sequence Ontology term.
    pub consequence: Option<String>,
    /// `c.` notation.
    pub hgvs_c: Option<String>,
    /// `p.` notation, 3-letter.
    pub hgvs_p: Option<String>,
    /// Transcript id.
    pub transcript: Option<String>,
    /// Exon number.
    pub exon: Option<u32>,
    /// Tumor depth, alt count.
    pub t_depth: u32,
    /// Tumor alt count.
    pub t_alt: u32,
    /// Normal depth, alt count (tumor-normal).
    pub n_counts: Option<(u32, u32)>,
}

/// Trimmed alleles and coordinates: (start, end, type, ref, alt).
pub fn alleles(pos: u64, r: &str, a: &str) -> (u64, u64, &'static str, String, String) {
    let (rb, ab) = (r.as_bytes(), a.as_bytes());
    let mut k = 0;
    while k < rb.len() && k < ab.len() && rb[k] == ab[k] && rb != ab {
        k += 1;
    }
    let (tr, ta) = (&r[k..], &a[k..]);
    let p = pos + k as u64;
    let (rl, al) = (tr.len(), ta.len());
    let dash = |s: &str| {
        if s.is_empty() {
            "-".to_string()
        } else {
            s.to_ascii_uppercase()
        }
    };
    if rl == al {
        let t = match rl {
            1 => "SNP",
            2 => "DNP",
            3 => "TNP",
            _ => "ONP",
        };
        (p, p + rl as u64 - 1, t, dash(tr), dash(ta))
    } else if rl < al {
        if rl == 0 {
            (p - 1, p, "INS", "-".into(), dash(ta))
        } else {
            (p, p + rl as u64 - 1, "INS", dash(tr), dash(ta))
        }
    } else {
        (p, p + rl as u64 - 1, "DEL", dash(tr), dash(ta))
    }
}

/// vcf2maf's Variant_Classification of a Sequence Ontology term.
pub fn classify(term: Option<&str>, var_type: &str, inframe: bool) -> &'static str {
    let Some(t) = term else {
        return "Targeted_Region";
    };
    match t {
        "splice_acceptor_variant"
        | "splice_donor_variant"
        | "transcript_ablation"
        | "exon_loss_variant" => "Splice_Site",
        "stop_gained" => "Nonsense_Mutation",
        "frameshift_variant" if var_type == "DEL" => "Frame_Shift_Del",
        "frameshift_variant" if var_type == "INS" => "Frame_Shift_Ins",
        "protein_altering_variant" if !inframe && var_type == "DEL" => "Frame_Shift_Del",
        "protein_altering_variant" if !inframe && var_type == "INS" => "Frame_Shift_Ins",
        "stop_lost" => "Nonstop_Mutation",
        "start_lost" | "initiator_codon_variant" => "Translation_Start_Site",
        t if t.ends_with("inframe_insertion") => "In_Frame_Ins",
        "protein_altering_variant" if inframe && var_type == "INS" => "In_Frame_Ins",
        t if t.ends_with("inframe_deletion") => "In_Frame_Del",
        "protein_altering_variant" if inframe && var_type == "DEL" => "In_Frame_Del",
        "missense_variant"
        | "coding_sequence_variant"
        | "conservative_missense_variant"
        | "rare_amino_acid_variant" => "Missense_Mutation",
        "transcript_amplification" | "intron_variant" | "intragenic_variant" => "Intron",
        "splice_region_variant" => "Splice_Region",
        "synonymous_variant"
        | "stop_retained_variant"
        | "incomplete_terminal_codon_variant"
        | "NMD_transcript_variant" => "Silent",
        "mature_miRNA_variant"
        | "exon_variant"
        | "non_coding_exon_variant"
        | "non_coding_transcript_exon_variant"
        | "non_coding_transcript_variant"
        | "nc_transcript_variant" => "RNA",
        "5_prime_UTR_variant" | "5_prime_UTR_premature_start_codon_gain_variant" => "5'UTR",
        "3_prime_UTR_variant" => "3'UTR",
        "intergenic_variant"
        | "intergenic_region"
        | "TF_binding_site_variant"
        | "regulatory_region_variant"
        | "regulatory_region" => "IGR",
        "upstream_gene_variant" => "5'Flank",
        "downstream_gene_variant" => "3'Flank",
        _ => "Targeted_Region",
    }
}

const AA3: &[(&str, &str)] = &[
    ("Ala", "A"),
    ("Arg", "R"),
    ("Asn", "N"),
    ("Asp", "D"),
    ("Cys", "C"),
    ("Gln", "Q"),
    ("Glu", "E"),
    ("Gly", "G"),
    ("His", "H"),
    ("Ile", "I"),
    ("Leu", "L"),
    ("Lys", "K"),
    ("Met", "M"),
    ("Phe", "F"),
    ("Pro", "P"),
    ("Ser", "S"),
    ("Thr", "T"),
    ("Trp", "W"),
    ("Tyr", "Y"),
    ("Val", "V"),
    ("Sec", "U"),
    ("Pyl", "O"),
    ("Xaa", "X"),
    ("Ter", "*"),
];

/// HGVSp_Short: 1-letter amino acids, `*` for Ter; `p.X<codon>_splice` for splice sites.
pub(crate) fn hgvsp_short(hgvs_p: Option<&str>, hgvs_c: Option<&str>, class: &str) -> String {
    if class == "Splice_Site" {
        if let Some(c) = hgvs_c.and_then(|c| c.strip_prefix("c.")) {
            let digits: String = c.chars().take_while(|ch| ch.is_ascii_digit()).collect();
            if let Ok(n) = digits.parse::<u64>() {
                if n > 0 {
                    return format!("p.X{}_splice", n.div_ceil(3));
                }
            }
        }
    }
    let Some(p) = hgvs_p else {
        return String::new();
    };
    let mut s = p.to_string();
    for (three, one) in AA3 {
        s = s.replace(three, one);
    }
    s
}

/// The chromosome as MAF and cBioPortal write it: `chr` removed, `chrM` → `MT`.
pub(crate) fn maf_chrom(c: &str) -> String {
    match c {
        "chrM" | "chrMT" | "M" => "MT".into(),
        _ => c.strip_prefix("chr").unwrap_or(c).to_string(),
    }
}

/// One MAF row (tab-joined, no newline).
pub fn row(v: &MafInput) -> String {
    let (start, end, vt, r, a) = alleles(v.pos, &v.ref_allele, &v.alt);
    let inframe = (r.trim_matches('-').len() as i64 - a.trim_matches('-').len() as i64) % 3 == 0;
    // the primary term (the first of VEP's `&`-joined list) gives the classification
    let primary = v.consequence.as_deref().and_then(|c| c.split('&').next());
    let class = classify(primary, vt, inframe);
    let short = hgvsp_short(v.hgvs_p.as_deref(), v.hgvs_c.as_deref(), class);
    let hgvs_p = if class == "Splice_Site" {
        String::new()
    } else {
        v.hgvs_p.clone().unwrap_or_default()
    };
    let gene = v.gene.clone().unwrap_or_else(|| "Unknown".into());
    let (n_depth, n_ref, n_alt) = match v.n_counts {
        Some((d, a)) => (
            d.to_string(),
            d.saturating_sub(a).to_string(),
            a.to_string(),
        ),
        None => (String::new(), String::new(), String::new()),
    };
    let normal_allele = if v.n_counts.is_some() {
        r.clone()
    } else {
        String::new()
    };
    let effects = match (&v.gene, &v.consequence) {
        (Some(g), Some(c)) => format!(
            "{g},{c},{},{},;",
            v.hgvs_p.as_deref().unwrap_or(""),
            v.transcript.as_deref().unwrap_or("")
        ),
        _ => String::new(),
    };
    use crate::io::text::cell;
    let t = |s: &str| cell(s).into_owned();
    let entrez = match (&v.gene, v.entrez) {
        (Some(_), Some(id)) => id.to_string(),
        _ => "0".into(),
    };
    let mut cells: Vec<String> = vec![
        t(&gene),
        entrez,
        ".".into(),
        t(&v.build),
        t(&maf_chrom(&v.chrom)),
        start.to_string(),
        end.to_string(),
        "+".into(),
        class.into(),
        vt.into(),
        r.clone(),
        r.clone(),
        a,
        String::new(),
        String::new(),
        t(&v.tumor),
        t(&v.normal),
        normal_allele.clone(),
        normal_allele,
    ];
    cells.extend(std::iter::repeat_n(String::new(), 15));
    cells.extend([
        t(v.hgvs_c.as_deref().unwrap_or_default()),
        t(&hgvs_p),
        t(&short),
        t(v.transcript.as_deref().unwrap_or_default()),
        v.exon.map(|e| e.to_string()).unwrap_or_default(),
        v.t_depth.to_string(),
        v.t_depth.saturating_sub(v.t_alt).to_string(),
        v.t_alt.to_string(),
        n_depth,
        n_ref,
        n_alt,
        t(&effects),
    ]);
    debug_assert_eq!(cells.len(), COLUMNS.len());
    cells.join("\t")
}

/// The whole file.
pub fn render(rows: &[MafInput]) -> String {
    let mut s = String::from("#version 2.4\n");
    s.push_str(&COLUMNS.join("\t"));
    s.push('\n');
    for r in rows {
        let _ = writeln!(s, "{}", row(r));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 19: a gene named `=HYPERLINK(...)` (from a hostile GFF `Name`) reached the MAF as a
    /// formula; every free-text cell is neutralised, coordinates and alleles are untouched.
    #[test]
    fn formula_cells_are_neutralised_in_the_maf() {
        let v = MafInput {
            tumor: "@T1".into(),
            normal: "-N1".into(),
            build: "GRCh38".into(),
            chrom: "chr7".into(),
            pos: 140753336,
            ref_allele: "A".into(),
            alt: "T".into(),
            gene: Some("=HYPERLINK(\"http://x\",\"BRAF\")".into()),
            entrez: None,
            consequence: Some("missense_variant".into()),
            hgvs_c: Some("+c.1799T>A".into()),
            hgvs_p: Some("p.Val600Glu".into()),
            transcript: Some("NM_004333.4".into()),
            exon: Some(15),
            t_depth: 100,
            t_alt: 30,
            n_counts: Some((50, 0)),
        };
        let r = row(&v);
        let c: Vec<&str> = r.split('\t').collect();
        assert_eq!(c[0], "'=HYPERLINK(\"http://x\",\"BRAF\")");
        assert_eq!((c[15], c[16]), ("'@T1", "'-N1"));
        assert_eq!(c[34], "'+c.1799T>A");
        assert_eq!(
            (c[5], c[6], c[10], c[12]),
            ("140753336", "140753336", "A", "T")
        );
        for cell in &c {
            // the strand column's `+` is a placeholder, not a formula
            assert!(
                *cell == "+" || !cell.starts_with(['=', '+', '@']),
                "a formula cell reached the MAF: {cell}"
            );
        }
    }

    #[test]
    fn the_primary_term_of_a_joined_consequence_gives_the_class() {
        // our annotation writes `missense_variant&splice_region_variant` for a missense change
        // in the last 3 bases of an exon; vcf2maf classifies it by its most severe term
        let v = MafInput {
            tumor: "T1".into(),
            normal: "N1".into(),
            build: "GRCh38".into(),
            chrom: "chr7".into(),
            pos: 140753336,
            ref_allele: "A".into(),
            alt: "T".into(),
            gene: Some("BRAF".into()),
            entrez: None,
            consequence: Some("missense_variant&splice_region_variant".into()),
            hgvs_c: Some("c.1799T>A".into()),
            hgvs_p: Some("p.Val600Glu".into()),
            transcript: Some("NM_004333.4".into()),
            exon: Some(15),
            t_depth: 100,
            t_alt: 30,
            n_counts: None,
        };
        let r = row(&v);
        let c: Vec<&str> = r.split('\t').collect();
        assert_eq!(c[8], "Missense_Mutation", "{r}");
    }

    // vcf2maf's own test rows (mskcc/vcf2maf tests/test_b38.vcf -> test_b38_output.maf)
    #[test]
    fn coordinates_as_vcf2maf_writes_them() {
        assert_eq!(
            alleles(34792292, "A", "C"),
            (34792292, 34792292, "SNP", "A".into(), "C".into())
        );
        assert_eq!(
            alleles(41479182, "GT", "G"),
            (41479183, 41479183, "DEL", "T".into(), "-".into())
        );
        assert_eq!(
            alleles(34880650, "T", "TG"),
            (34880650, 34880651, "INS", "-".into(), "G".into())
        );
        assert_eq!(
            alleles(15557977, "TG", "CA"),
            (15557977, 15557978, "DNP", "TG".into(), "CA".into())
        );
    }

    #[test]
    fn short_protein_changes_as_vcf2maf_writes_them() {
        let f = |p: &str, class| hgvsp_short(Some(p), None, class);
        assert_eq!(f("p.Gly367Asp", "Missense_Mutation"), "p.G367D");
        assert_eq!(f("p.Lys224AsnfsTer19", "Frame_Shift_Del"), "p.K224Nfs*19");
        assert_eq!(f("p.Trp54Ter", "Nonsense_Mutation"), "p.W54*");
        assert_eq!(f("p.Ser406=", "Silent"), "p.S406=");
        assert_eq!(
            hgvsp_short(None, Some("c.494+1G>A"), "Splice_Site"),
            "p.X165_splice"
        );
        assert_eq!(
            hgvsp_short(None, Some("c.504_508+1dup"), "Splice_Site"),
            "p.X168_splice"
        );
        assert_eq!(
            hgvsp_short(None, Some("c.1713_1729+5del"), "Splice_Site"),
            "p.X571_splice"
        );
    }

    #[test]
    fn classes_follow_vcf2maf() {
        assert_eq!(
            classify(Some("frameshift_variant"), "DEL", false),
            "Frame_Shift_Del"
        );
        assert_eq!(
            classify(Some("inframe_insertion"), "INS", true),
            "In_Frame_Ins"
        );
        assert_eq!(
            classify(Some("coding_sequence_variant"), "DEL", false),
            "Missense_Mutation"
        );
        assert_eq!(
            classify(Some("splice_region_variant"), "SNP", true),
            "Splice_Region"
        );
        assert_eq!(
            classify(Some("upstream_gene_variant"), "SNP", true),
            "5'Flank"
        );
        assert_eq!(classify(None, "SNP", true), "Targeted_Region");
    }
}
