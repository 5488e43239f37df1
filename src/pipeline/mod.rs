//! Orchestration: each command as a library function that takes validated options and returns
//! the typed results, usable from Rust without the CLI.
//!
//! Every command follows the same shape: options (plain data) → `validate` (open and check every
//! input, nothing written, no BAM record read) → `execute` (the pass through [`crate::engine`],
//! the stage functions of [`crate::somatic`] and [`crate::clinical`], outputs through
//! [`crate::io`]). The pipeline is the only layer that decides what is written where.
//!
//! ```
//! use std::path::Path;
//! use oncostream::pipeline::run::{run, RunOptions};
//!
//! let fx = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/nfcore_chr22");
//! let out = tempfile::tempdir()?;
//! let mut opts = RunOptions::new(
//!     &fx.join("test2.paired_end.sorted.bam"),
//!     Some(&fx.join("test.paired_end.sorted.bam")),
//!     &fx.join("genome.fasta"),
//!     &out.path().join("run"),
//! );
//! opts.inputs.threads = Some(2);
//! opts.cancer_type = Some("LUAD".into());
//! let outcome = run(opts)?;
//! assert_eq!(outcome.results.mode.as_str(), "tumor-normal");
//! assert_eq!(outcome.report.unwrap().sample.cancer_type, "LUAD");
//! assert!(out.path().join("run/run_manifest.json").exists());
//! # Ok::<(), anyhow::Error>(())
//! ```

pub mod batch;
pub mod call;
pub mod clinical_inputs;
pub mod export;
pub mod external;
pub mod kb;
pub mod metrics;
pub mod monitor;
pub mod msi;
pub mod outdir;
pub mod pileup;
pub mod pon;
pub mod prepare;
pub mod report;
pub mod retier;
pub mod run;
pub mod structural;

pub use prepare::{InputOptions, Inputs};
