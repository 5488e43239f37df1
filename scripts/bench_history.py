#!/usr/bin/env python3
"""Benchmark history: parse a benchmark script's output into one JSON line, and plot the history.

  bench_history.py append HISTORY.jsonl NAME LOG COMMIT DIRTY THREADS
  bench_history.py html HISTORY.jsonl OUT.html

Figures parsed from the log (lines starting with '#' are comments):
  `step wall_s cpu_s rss_MB [ratio]` rows   -> <step>.wall_s, <step>.cpu_s, <step>.rss_mb
  `label   value   (target ...)` lines      -> <label, slugged>
  `label: wall X, cpu Y` lines               -> <label>.wall, <label>.cpu
"""
import datetime
import html
import json
import os
import platform
import re
import sys

ROW = re.compile(r"^([A-Za-z][\w.\-/]*)\s+(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)\s+(\d+)(?:\s+(\d+(?:\.\d+)?))?\s*$")
RATIO = re.compile(r"^(.*?\S)\s{2,}(-?\d+(?:\.\d+)?)\s*(?:\(.*\))?\s*$")
PAIR = re.compile(r"^(.*?):\s*wall\s+(\d+(?:\.\d+)?),\s*cpu\s+(\d+(?:\.\d+)?)")


def slug(s):
    return re.sub(r"[^a-z0-9]+", "_", s.lower()).strip("_")


def parse(text):
    figs = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        m = ROW.match(line)
        if m:
            step = m.group(1)
            figs[f"{step}.wall_s"] = float(m.group(2))
            figs[f"{step}.cpu_s"] = float(m.group(3))
            figs[f"{step}.rss_mb"] = float(m.group(4))
            continue
        m = PAIR.match(line)
        if m:
            figs[f"{slug(m.group(1))}.wall"] = float(m.group(2))
            figs[f"{slug(m.group(1))}.cpu"] = float(m.group(3))
            continue
        m = RATIO.match(line)
        if m:
            figs[slug(m.group(1))] = float(m.group(2))
    return figs


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def append(history, name, log, commit, dirty, threads):
    with open(log) as f:
        figs = parse(f.read())
    if not figs:
        sys.exit(f"no figures found in {log}")
    rec = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "benchmark": name,
        "commit": commit,
        "dirty": dirty == "true",
        "threads": int(threads),
        "machine": {"host": platform.node(), "cpu": cpu_model(), "cores": os.cpu_count()},
        "log": os.path.relpath(log, os.path.dirname(history) or "."),
        "figures": figs,
    }
    with open(history, "a") as f:
        f.write(json.dumps(rec, sort_keys=True) + "\n")


def chart(title, points):
    """An inline SVG line chart of (label, value) points in time order."""
    w, h, pad = 560, 180, 40
    vals = [v for _, v in points]
    lo, hi = min(vals + [0.0]), max(vals)
    hi = hi if hi > lo else lo + 1.0
    n = len(points)
    xs = [pad + (i * (w - 2 * pad) / max(n - 1, 1)) for i in range(n)]
    ys = [h - pad - (v - lo) / (hi - lo) * (h - 2 * pad) for v in vals]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys))
    dots = "".join(
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#4a7fb5"><title>{html.escape(l)}: {v:g}</title></circle>'
        for (l, v), x, y in zip(points, xs, ys)
    )
    return (
        f'<figure><figcaption>{html.escape(title)}</figcaption>'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" role="img" aria-label="{html.escape(title)}">'
        f'<line x1="{pad}" y1="{h-pad}" x2="{w-pad}" y2="{h-pad}" stroke="#999"/>'
        f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{h-pad}" stroke="#999"/>'
        f'<text x="4" y="{pad+4}" font-size="11">{hi:g}</text><text x="4" y="{h-pad}" font-size="11">{lo:g}</text>'
        f'<polyline fill="none" stroke="#4a7fb5" stroke-width="2" points="{path}"/>{dots}'
        f'<text x="{pad}" y="{h-8}" font-size="11">{html.escape(points[0][0])}</text>'
        f'<text x="{w-pad}" y="{h-8}" font-size="11" text-anchor="end">{html.escape(points[-1][0])}</text>'
        f"</svg></figure>"
    )


def render(history, out):
    recs = []
    if os.path.exists(history):
        with open(history) as f:
            recs = [json.loads(l) for l in f if l.strip()]
    parts = [
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>oncostream benchmark history</title>",
        "<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px}figure{display:inline-block;margin:0 1em 1em 0}"
        "figcaption{font-size:.9em;font-weight:600}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em;font-size:.85em}</style>",
        "</head><body><h1>Benchmark history</h1>",
        f"<p>{len(recs)} run(s) from <code>{html.escape(history)}</code>. Ratios are against a peer or the decode floor measured in the same run; targets are in each <code>scripts/bench-*.sh</code>.</p>",
    ]
    for bench in sorted({r["benchmark"] for r in recs}):
        rs = [r for r in recs if r["benchmark"] == bench]
        parts.append(f"<h2>{html.escape(bench)}</h2><table><tr><th>date</th><th>commit</th><th>machine</th><th>threads</th></tr>")
        for r in rs:
            m = r["machine"]
            parts.append(
                f"<tr><td>{html.escape(r['date'])}</td><td>{html.escape(r['commit'])}{' (dirty)' if r.get('dirty') else ''}</td>"
                f"<td>{html.escape(m.get('cpu', ''))}, {m.get('cores')} cores</td><td>{r['threads']}</td></tr>"
            )
        parts.append("</table>")
        keys = sorted({k for r in rs for k in r["figures"]})
        # ratios first (no unit suffix), then wall seconds and RSS
        keys.sort(key=lambda k: (k.endswith((".cpu_s", ".wall_s", ".rss_mb")), k))
        for k in keys:
            pts = [(f"{r['date'][:10]} {r['commit']}", r["figures"][k]) for r in rs if k in r["figures"]]
            parts.append(chart(k, pts))
    parts.append("</body></html>\n")
    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        f.write("".join(parts))
    os.replace(tmp, out)


if __name__ == "__main__":
    if len(sys.argv) == 8 and sys.argv[1] == "append":
        append(*sys.argv[2:])
    elif len(sys.argv) == 4 and sys.argv[1] == "html":
        render(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
