//! `oncostream kb validate|build`: check a knowledge base (every bad row reported with
//! file:line), or build its CIViC layer from a CIViC dump.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand};

use crate::pipeline::kb::{build_civic, validate_kb, BuildOptions};

/// `oncostream kb ...`
#[derive(Args, Debug)]
pub struct KbArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: KbAction,
}

/// KB actions.
#[derive(Subcommand, Debug)]
pub enum KbAction {
    /// Validate a knowledge base against its formats, the bundled OncoTree and the MANE table.
    Validate {
        /// KB directory or file (default: the KB built into this binary).
        #[arg(long)]
        kb: Option<PathBuf>,
    },
    /// Build civic.tsv and civic_known.tsv from a CIViC dump (CC0).
    Build {
        /// Directory of the CIViC dump (holding DD-Mon-YYYY-ClinicalEvidenceSummaries.tsv).
        #[arg(long)]
        civic: PathBuf,
        /// CIViC disease -> OncoTree crosswalk (default: the shipped one).
        #[arg(long)]
        crosswalk: Option<PathBuf>,
        /// MANE Select table (default: the shipped one).
        #[arg(long)]
        mane: Option<PathBuf>,
        /// Output directory.
        #[arg(long, short = 'o')]
        outdir: PathBuf,
    },
}

/// Runs the command. Output goes through one write, so a closed pipe (`| head`, `| grep -q`)
/// ends the command quietly instead of panicking.
pub fn run(args: &KbArgs) -> Result<()> {
    let mut text = String::new();
    match &args.action {
        KbAction::Validate { kb } => {
            let k = validate_kb(kb.as_deref())?;
            text.push_str(&format!(
                "{}: ok, {} evidence items, version {}, date {}\n",
                k.info.path,
                k.kb.items.len(),
                k.info.version,
                k.info.date
            ));
            for f in &k.kb.files {
                let what = if f.items > 0 || f.rows == 0 {
                    format!("{} items", f.items)
                } else {
                    format!("{} rows", f.rows)
                };
                text.push_str(&format!(
                    "  {}: {what} ({}), version {}, date {}\n",
                    f.name, f.path, f.version, f.date
                ));
            }
        }
        KbAction::Build {
            civic,
            crosswalk,
            mane,
            outdir,
        } => {
            let log = build_civic(&BuildOptions {
                civic: civic.clone(),
                crosswalk: crosswalk.clone(),
                mane: mane.clone(),
                outdir: outdir.clone(),
            })?;
            for l in log.lines() {
                text.push_str(&l);
                text.push('\n');
            }
        }
    }
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}
