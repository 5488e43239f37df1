//! Renderers of the clinical documents: `report.html` and `retier_diff.tsv`, from the typed
//! [`crate::types::report::Report`]. They format; they never recompute a metric, and they never
//! touch a file (the pipeline writes what they return through `io`).

pub mod batch_html;
pub mod cnv_plot;
pub mod diff;
pub mod html;
pub mod i18n;
pub mod maf;
pub(crate) mod monitor_html;
pub mod multiqc;

pub use html::{esc, render_html, LEVELS};
