//! `oncostream schema`: print the JSON Schema of a document this program writes, or write all of
//! them into a directory (how `schemas/` is regenerated).

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use crate::error::{fail, ExitKind};
use crate::io::output::write_atomic;
use crate::types::json_schemas;

/// Flags of `oncostream schema`.
#[derive(Args, Debug)]
pub struct SchemaArgs {
    /// Which document: results, report, run_manifest, metrics (omit with --outdir for all).
    pub name: Option<String>,
    /// Write every schema as `<name>.schema.json` into this directory.
    #[arg(long, conflicts_with = "name")]
    pub outdir: Option<PathBuf>,
}

/// Runs the command.
pub fn run(args: &SchemaArgs) -> Result<()> {
    let all = json_schemas();
    if let Some(dir) = &args.outdir {
        crate::io::output::create_dir(dir)?;
        for (name, text) in &all {
            write_atomic(&dir.join(format!("{name}.schema.json")), text.as_bytes())?;
        }
        return Ok(());
    }
    let names: Vec<&str> = all.iter().map(|(n, _)| *n).collect();
    let want = args.name.as_deref().ok_or_else(|| {
        fail(
            ExitKind::Usage,
            format!("name a schema ({}) or pass --outdir", names.join(", ")),
        )
    })?;
    let (_, text) = all.iter().find(|(n, _)| *n == want).ok_or_else(|| {
        fail(
            ExitKind::Usage,
            format!("no schema '{want}'; one of {}", names.join(", ")),
        )
    })?;
    print!("{text}");
    Ok(())
}
