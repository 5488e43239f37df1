#!/usr/bin/env python3
"""Validates oncostream's FHIR exports with the fhir.resources models (FHIR R4 4.0.1).

Usage: check_fhir.py BUNDLE.json [...]

Each file is parsed as an R4 Bundle by fhir.resources 6.4 (pydantic 1): element names, types,
cardinalities, required elements, value-set bound codes of the core spec and the resource type
of every entry are checked, and the status codes of DiagnosticReport and Observation against
their required value sets (the models leave those open). On top, the Genomics Reporting IG shape oncostream promises: a
DiagnosticReport (genomics-report profile) whose results resolve to Observations of the
bundle, each Observation claiming an IG profile, fullUrls unique, every reference resolving
inside the bundle. Prints one line per bundle; exit 1 on the first invalid one, 2 on usage.
"""
import json
import sys

try:
    import fhir.resources
    from fhir.resources.bundle import Bundle
except ImportError:  # the caller decides whether a missing library skips or fails
    print("fhir.resources is not installed (pip install 'fhir.resources==6.4.0' 'pydantic<2')", file=sys.stderr)
    sys.exit(3)

IG = "http://hl7.org/fhir/uv/genomics-reporting/StructureDefinition/"
# required bindings of R4 that the fhir.resources models do not enforce
STATUS = {
    "DiagnosticReport": {"registered", "partial", "preliminary", "final", "amended", "corrected",
                         "appended", "cancelled", "entered-in-error", "unknown"},
    "Observation": {"registered", "preliminary", "final", "amended", "corrected", "cancelled",
                    "entered-in-error", "unknown"},
}


def references(node):
    """Every `reference` string under a JSON node."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "reference" and isinstance(v, str):
                yield v
            else:
                yield from references(v)
    elif isinstance(node, list):
        for v in node:
            yield from references(v)


def check(path):
    with open(path) as f:
        raw = json.load(f)
    bundle = Bundle.parse_obj(raw)  # raises pydantic.ValidationError when invalid
    assert fhir.resources.__fhir_version__ == "4.0.1", fhir.resources.__fhir_version__
    entries = raw.get("entry", [])
    urls = [e["fullUrl"] for e in entries]
    assert len(urls) == len(set(urls)), "fullUrls are not unique"
    by_url = {e["fullUrl"]: e["resource"] for e in entries}
    for ref in references(raw):
        assert ref in by_url, f"reference {ref} does not resolve inside the bundle"
    for r in by_url.values():
        allowed = STATUS.get(r["resourceType"])
        if allowed is not None:
            assert r.get("status") in allowed, f"{r['resourceType']} status {r.get('status')!r} is not in its required value set"
    reports = [r for r in by_url.values() if r["resourceType"] == "DiagnosticReport"]
    assert len(reports) == 1, f"{len(reports)} DiagnosticReports"
    report = reports[0]
    assert IG + "genomics-report" in report.get("meta", {}).get("profile", []), "no genomics-report profile"
    for res in report.get("result", []):
        target = by_url[res["reference"]]
        assert target["resourceType"] == "Observation", target["resourceType"]
    observations = [r for r in by_url.values() if r["resourceType"] == "Observation"]
    for o in observations:
        profiles = o.get("meta", {}).get("profile", [])
        assert any(p.startswith(IG) for p in profiles), f"observation {o.get('id')} claims no IG profile"
    kinds = {}
    for o in observations:
        for p in o["meta"]["profile"]:
            kinds[p[len(IG):]] = kinds.get(p[len(IG):], 0) + 1
    print(f"{path}: valid FHIR R4 Bundle ({bundle.type}), {len(entries)} entries, "
          + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    for p in sys.argv[1:]:
        try:
            check(p)
        except Exception as e:  # pydantic.ValidationError or a failed assertion
            print(f"{p}: INVALID: {e}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
