#!/usr/bin/env bash
# Runs cBioPortal's own validator (validateData.py of the public cbioportal-core repository, in
# its offline mode: no portal, -n) on a study directory written by
# `oncostream export --cbioportal-study DIR`, and fails unless it reports 0 errors.
#
# usage: CBIOPORTAL_CORE=/path/to/cbioportal-core scripts/check-cbioportal.sh STUDY_DIR [HTML]
#
# The validator is AGPL-licensed, so it is not part of this repository: clone cbioportal-core
# (any recent release) and point CBIOPORTAL_CORE at the clone (the directory that holds
# scripts/importer/validateData.py and requirements.txt). Its Python requirements are installed
# from PyPI into target/cbioportal-venv on first use. Warnings (exit status 3 of the validator)
# are printed and accepted; errors fail (exit 1). HTML, when given, receives the validator's
# report page. Exit 2: usage or no validator.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
study="${1:-}"
html="${2:-}"
if [ -z "$study" ] || [ ! -f "$study/meta_study.txt" ]; then
  echo "usage: CBIOPORTAL_CORE=DIR $0 STUDY_DIR [HTML] (STUDY_DIR must hold meta_study.txt)" >&2
  exit 2
fi
study="$(cd "$study" && pwd)"
[ -n "$html" ] && html="$(cd "$(dirname "$html")" && pwd)/$(basename "$html")"
core="${CBIOPORTAL_CORE:-}"
validator="$core/scripts/importer/validateData.py"
if [ -z "$core" ] || [ ! -f "$validator" ]; then
  echo "set CBIOPORTAL_CORE to a clone of cBioPortal's cbioportal-core repository (no scripts/importer/validateData.py under '${core}')" >&2
  exit 2
fi
venv="$here/target/cbioportal-venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$core/requirements.txt"
fi
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
args=(-s "$study" -n -v)
[ -n "$html" ] && args+=(-html "$html")
set +e
(cd "$core/scripts/importer" && "$venv/bin/python" validateData.py "${args[@]}") >"$log" 2>&1
status=$?
set -e
errors=$(grep -c "^ERROR" "$log" || true)
warnings=$(grep -c "^WARNING" "$log" || true)
grep -E "^(ERROR|WARNING)" "$log" || true
echo "cBioPortal validateData.py: exit status $status, $errors error(s), $warnings warning(s) on $study"
if [ "$status" -ne 0 ] && [ "$status" -ne 3 ]; then
  tail -20 "$log" >&2
  exit 1
fi
[ "$errors" -eq 0 ] || exit 1
