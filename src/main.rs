//! The `oncostream` binary: parse flags, run a command, map errors to exit codes.

use clap::Parser;
use oncostream::{cli, error};

fn main() {
    error::install_panic_hook();
    let cli = match cli::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 64 } else { 0 };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    if let Err(err) = cli::run(&cli) {
        if error::is_broken_pipe(&err) {
            std::process::exit(0);
        }
        let msg = err
            .chain()
            .map(|c| c.to_string())
            .collect::<Vec<_>>()
            .join(": ");
        eprintln!("oncostream: error: {msg}");
        std::process::exit(error::exit_kind(&err).code());
    }
}
