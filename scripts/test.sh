#!/usr/bin/env bash
# The test command: format and lint gates, then every unit and integration test.
# Needs only the Rust toolchain (cargo, rustfmt, clippy); all test data is in fixtures/.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo >/dev/null || { echo "cargo not found: install the Rust toolchain (rustup) first" >&2; exit 1; }
cargo fmt --all -- --check
cargo clippy --release --all-targets --locked -- -D warnings
cargo test --release --locked
