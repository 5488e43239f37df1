//! Renderers of the clinical documents: `report.html` and `retier_diff.tsv`, from the typed
//! [`crate::types::report::Report`]. They format; they never recompute a metric, and they never
//! touch a file (the pipeline writes what they return through `io`).

pub mod batch_html;
pub mod cbioportal;
pub mod cnv_plot;
pub mod diff;
pub mod escape;
pub mod fhir;
pub mod html;
pub mod i18n;
pub mod maf;
pub(crate) mod monitor_html;
pub mod multiqc;

pub use escape::{esc, href};
pub use html::{render_html, LEVELS};

/// Gene and transcript identifiers the cohort exports write beside symbols and transcript ids
/// (the shipped MANE models carry them; `None` where unknown).
pub trait GeneIds {
    /// NCBI Gene id of a symbol.
    fn entrez(&self, gene: &str) -> Option<u32>;
    /// HGNC id (`HGNC:<n>`) of a symbol.
    fn hgnc(&self, gene: &str) -> Option<String>;
    /// Ensembl transcript of a (RefSeq) transcript id.
    fn ensembl_transcript(&self, transcript: &str) -> Option<String>;
    /// Protein (`NP_`) of a transcript id.
    fn protein(&self, transcript: &str) -> Option<String>;
}
