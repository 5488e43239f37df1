//! Transcript models: the GRCh38 MANE Select models shipped in the binary
//! (`data/transcripts/mane_select_grch38.gff3.gz`, MANE v1.4, every gene the knowledge base and
//! the other shipped tables name; origin and checks in `data/transcripts/README.md`), and the
//! fitting of any model set (shipped or `--gff`) to the contigs of a run's reference.
//!
//! METHOD: a model's contig is matched to the reference's by name, with or without the `chr`
//! prefix (`chrM` = `MT`). The shipped models are used only on a GRCh38 reference: every
//! reference contig that names a GRCh38 chromosome must have its GRCh38 length (the lengths of
//! the models' `##sequence-region` lines; all GRCh38 flavours — UCSC hg38, Ensembl, the NCBI
//! analysis sets — share them, GRCh37 and slices of a chromosome do not). Otherwise none is
//! used and the run says why: coordinates of another assembly would annotate the wrong bases.

use std::collections::{HashMap, HashSet};

use anyhow::Result;

use crate::io::gff::{gff3_genes, gff3_gz_text, parse_gff3};
use crate::types::transcript::{ModelsSource, Transcript, TranscriptModelsRecord};

/// The shipped models (gzip GFF3), compiled in.
const SHIPPED_GZ: &[u8] = include_bytes!("../../data/transcripts/mane_select_grch38.gff3.gz");

/// How reports and `results.json` name the shipped models' file.
pub(crate) const SHIPPED_PATH: &str = "builtin:data/transcripts/mane_select_grch38.gff3.gz";
/// What the shipped models are.
pub(crate) const SHIPPED_NAME: &str = "MANE Select (NCBI RefSeq + EMBL-EBI Ensembl/GENCODE)";
/// The MANE release of the shipped models.
pub(crate) const SHIPPED_VERSION: &str = "1.4";
/// The genome build of the shipped models.
pub(crate) const SHIPPED_BUILD: &str = "GRCh38";

/// A set of transcript models before it meets a reference: the models, and for the shipped set
/// the GRCh38 chromosome lengths, previous gene symbols and NCBI Gene ids.
#[derive(Clone, Debug)]
pub struct ModelSet {
    /// The models as read (contig names as in the file).
    pub models: Vec<Transcript>,
    /// GRCh38 length per chromosome (shipped models only: the reference must match them).
    lengths: Option<HashMap<String, u64>>,
    /// Previous symbol -> current symbol (shipped models: `Alias`).
    aliases: HashMap<String, String>,
    /// Symbol -> NCBI Gene id (shipped models: `ncbi_gene_id`).
    pub entrez: HashMap<String, u32>,
    /// Transcript id -> Ensembl transcript id (shipped models: the MANE pair).
    pub ensembl: HashMap<String, String>,
    /// Transcript id -> protein id (shipped models: the RefSeq `NP_`).
    pub protein: HashMap<String, String>,
    /// Symbol -> HGNC id.
    pub hgnc: HashMap<String, String>,
    /// What the set is (`transcripts_used` is filled by [`ModelSet::fit`]).
    pub record: TranscriptModelsRecord,
}

/// The models of a set that apply to one reference, with the record of what was used.
#[derive(Clone, Debug)]
pub struct FittedModels {
    /// Models on the reference's contigs, renamed to the reference's contig names.
    pub models: Vec<Transcript>,
    /// What was used, and why not more.
    pub record: TranscriptModelsRecord,
}

impl ModelSet {
    /// The shipped GRCh38 MANE Select models.
    pub fn shipped() -> Result<ModelSet> {
        let text = gff3_gz_text(SHIPPED_GZ, SHIPPED_PATH)?;
        let models = parse_gff3(text.as_bytes(), SHIPPED_PATH)?;
        let genes = gff3_genes(&text);
        Ok(ModelSet {
            record: TranscriptModelsRecord {
                source: ModelsSource::Builtin,
                path: SHIPPED_PATH.into(),
                name: Some(SHIPPED_NAME.into()),
                version: Some(SHIPPED_VERSION.into()),
                genome_build: Some(SHIPPED_BUILD.into()),
                md5: crate::io::output::md5_hex(SHIPPED_GZ),
                transcripts: models.len(),
                transcripts_used: 0,
                note: None,
            },
            models,
            lengths: Some(genes.sequence_regions.into_iter().collect()),
            aliases: genes.aliases.into_iter().collect(),
            entrez: genes.entrez.into_iter().collect(),
            ensembl: genes.ensembl.into_iter().collect(),
            protein: genes.protein.into_iter().collect(),
            hgnc: genes.hgnc.into_iter().collect(),
        })
    }

    /// A user's models (`--gff`): used on every contig whose name matches.
    pub fn user(models: Vec<Transcript>, path: &str, md5: String) -> ModelSet {
        ModelSet {
            record: TranscriptModelsRecord {
                source: ModelsSource::Gff,
                path: path.into(),
                name: None,
                version: None,
                genome_build: None,
                md5,
                transcripts: models.len(),
                transcripts_used: 0,
                note: None,
            },
            models,
            lengths: None,
            aliases: HashMap::new(),
            entrez: HashMap::new(),
            ensembl: HashMap::new(),
            protein: HashMap::new(),
            hgnc: HashMap::new(),
        }
    }

    /// The current symbol of a (possibly previous) symbol.
    fn current<'a>(&'a self, gene: &'a str) -> &'a str {
        self.aliases.get(gene).map(String::as_str).unwrap_or(gene)
    }

    /// The NCBI Gene id of a symbol (or of its current symbol).
    pub(crate) fn entrez_of(&self, gene: &str) -> Option<u32> {
        self.entrez.get(self.current(gene)).copied()
    }

    /// The HGNC id of a symbol (or of its current symbol).
    pub(crate) fn hgnc_of(&self, gene: &str) -> Option<&str> {
        self.hgnc.get(self.current(gene)).map(String::as_str)
    }

    /// The models on the contigs of a reference (`contigs`: name and length), renamed to its
    /// contig names; the shipped models only on a GRCh38 reference (module docs).
    pub fn fit(&self, contigs: &[(String, u64)]) -> FittedModels {
        let mut record = self.record.clone();
        let mut rename: HashMap<&str, &str> = HashMap::new();
        let mut mismatch: Vec<String> = Vec::new();
        let model_contigs: HashSet<&str> = self.models.iter().map(|t| t.contig.as_str()).collect();
        for c in model_contigs {
            let Some((name, len)) = contig_alias(c, contigs) else {
                continue;
            };
            match self.lengths.as_ref().and_then(|l| l.get(c)) {
                Some(want) if want != len => mismatch.push(format!(
                    "contig '{name}' is {len} bp, GRCh38 {c} is {want} bp"
                )),
                _ => {
                    rename.insert(c, name.as_str());
                }
            }
        }
        mismatch.sort();
        if !mismatch.is_empty() {
            rename.clear();
            record.note = Some(format!(
                "the shipped {SHIPPED_BUILD} transcript models were not used: the reference is not {SHIPPED_BUILD} ({}{}); pass --gff with transcript models of this reference",
                mismatch[0],
                if mismatch.len() > 1 {
                    format!(", and {} more contig(s)", mismatch.len() - 1)
                } else {
                    String::new()
                }
            ));
        }
        let models: Vec<Transcript> = self
            .models
            .iter()
            .filter_map(|t| {
                let to = rename.get(t.contig.as_str())?;
                let mut t = t.clone();
                t.contig = to.to_string();
                Some(t)
            })
            .collect();
        record.transcripts_used = models.len();
        if models.is_empty() && record.note.is_none() {
            record.note = Some(match record.source {
                ModelsSource::Builtin => format!(
                    "the shipped {SHIPPED_BUILD} transcript models were not used: no contig of the reference is a {SHIPPED_BUILD} chromosome (chr1..chr22, chrX, chrY, chrM or 1..22, X, Y, MT); pass --gff with transcript models of this reference"
                ),
                ModelsSource::Gff => format!(
                    "no transcript of '{}' lies on a contig of the reference (contig names differ?)",
                    record.path
                ),
            });
        }
        FittedModels { models, record }
    }

    /// The gene symbols of `genes` with no model in `fitted` (a previous symbol counts as its
    /// current one), sorted.
    pub(crate) fn genes_without_model<'a>(
        &self,
        fitted: &[Transcript],
        genes: impl IntoIterator<Item = &'a str>,
    ) -> Vec<String> {
        let have: HashSet<&str> = fitted.iter().map(|t| t.gene.as_str()).collect();
        let mut missing: Vec<String> = genes
            .into_iter()
            .filter(|g| {
                let current = self.aliases.get(*g).map(String::as_str).unwrap_or(g);
                !have.contains(g) && !have.contains(current)
            })
            .map(String::from)
            .collect();
        missing.sort();
        missing.dedup();
        missing
    }
}

/// The contig of `contigs` that model contig `name` means: the same name, else the name with or
/// without `chr` (`chrM` = `MT` = `M`).
pub(crate) fn contig_alias<'a>(
    name: &str,
    contigs: &'a [(String, u64)],
) -> Option<&'a (String, u64)> {
    let find = |n: &str| contigs.iter().find(|c| c.0 == n);
    if let Some(c) = find(name) {
        return Some(c);
    }
    let bare = name.strip_prefix("chr").unwrap_or(name);
    let candidates: Vec<String> = match bare {
        "M" | "MT" => ["chrM", "MT", "M", "chrMT"].map(String::from).to_vec(),
        b => vec![b.to_string(), format!("chr{b}")],
    };
    candidates.iter().find_map(|n| find(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grch38(names: &[(&str, u64)]) -> Vec<(String, u64)> {
        names.iter().map(|(n, l)| (n.to_string(), *l)).collect()
    }

    #[test]
    fn the_shipped_models_name_every_gene_of_the_knowledge_base_but_three() {
        let set = ModelSet::shipped().unwrap();
        assert_eq!(set.record.transcripts, 564);
        assert!(set.models.iter().all(|t| t.mane && t.coding));
        let egfr = set.models.iter().find(|t| t.gene == "EGFR").unwrap();
        assert_eq!(
            (egfr.id.as_str(), egfr.contig.as_str(), egfr.exons.len()),
            ("NM_005228.5", "chr7", 28)
        );
        assert_eq!(set.entrez["EGFR"], 1956);
        let tree = crate::clinical::oncotree::OncoTree::bundled();
        let kb = crate::clinical::kb::builtin(&tree).unwrap();
        let genes: Vec<&str> = kb
            .items
            .iter()
            .filter_map(|i| i.gene.as_deref())
            .chain(kb.mane.keys().map(String::as_str))
            .collect();
        // data/transcripts/mane_select_grch38.genes.tsv: PBRM1 and RUNX1T1 not built, NUTM2 a
        // gene family; MGEA5 is the previous symbol of OGA
        assert_eq!(
            set.genes_without_model(&set.models, genes),
            ["NUTM2", "PBRM1", "RUNX1T1"]
        );
    }

    #[test]
    fn contigs_match_with_or_without_chr_and_only_at_the_grch38_length() {
        let set = ModelSet::shipped().unwrap();
        // Ensembl names, GRCh38 lengths: every model on chr7 and chr17 used, renamed
        let ens = grch38(&[("7", 159_345_973), ("17", 83_257_441), ("MT", 16_569)]);
        let f = set.fit(&ens);
        assert!(f.models.iter().all(|t| t.contig == "7" || t.contig == "17"));
        let on = |c: &str| set.models.iter().filter(|t| t.contig == c).count();
        assert_eq!(f.record.transcripts_used, on("chr7") + on("chr17"));
        assert!(f.record.note.is_none());
        // a slice named chr2 (the 2.3 Mb fixture), or GRCh37 lengths: nothing used, and why
        for other in [
            grch38(&[("chr2", 2_333_275)]),
            grch38(&[("chr7", 159_345_973), ("chr1", 249_250_621)]),
        ] {
            let f = set.fit(&other);
            assert!(f.models.is_empty());
            assert!(
                f.record
                    .note
                    .as_deref()
                    .unwrap()
                    .contains("the reference is not GRCh38"),
                "{:?}",
                f.record.note
            );
        }
        let none = set.fit(&grch38(&[("BRAF__LRG_299", 212_438)]));
        assert!(none.models.is_empty() && none.record.note.unwrap().contains("no contig"));
        assert_eq!(
            contig_alias("chrM", &grch38(&[("MT", 16_569)])).unwrap().0,
            "MT"
        );
        assert_eq!(
            contig_alias("X", &grch38(&[("chrX", 1)])).unwrap().0,
            "chrX"
        );
    }
}
