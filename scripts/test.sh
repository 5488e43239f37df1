#!/usr/bin/env bash
# The test command: format and lint gates, docs, every unit and integration test, and an
# installed-binary check. Needs only the Rust toolchain (cargo, rustfmt, clippy); all test data is
# in fixtures/ (bcftools and chromium are used by two tests; .ci/run installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
# No test reads the terminal.
exec </dev/null
command -v cargo >/dev/null || { echo "cargo not found: install the Rust toolchain (rustup) first" >&2; exit 1; }

cargo fmt --all -- --check
# the house rule of docs/contributing.md: no function in src/ over 150 lines
python3 scripts/fn_lengths.py --max 150
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --locked -q
cargo clippy --release --all-targets --locked -- -D warnings
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test --release --locked | tee "$log"
# one closing line over all test binaries (the last binary, the doc-tests, may hold none)
awk '/^test result:/ {p += $4; f += $6} END {printf "summary: %d passed, %d failed\n", p, f}' "$log"
bash scripts/check-install.sh
