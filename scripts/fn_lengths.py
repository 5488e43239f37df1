#!/usr/bin/env python3
"""Lists Rust functions longer than a limit (default 150 lines, signature to closing brace).

Usage: scripts/fn_lengths.py [--max 150] [--top N] [paths...]   (default path: src/)
Exits 1 when a function is longer than --max (the house rule of docs/contributing.md), printing
each as `file:line: fn name: N lines`. Test modules (`#[cfg(test)] mod tests`) are skipped.

The scan understands enough Rust to find function bodies: it skips comments, string and char
literals (including raw strings r#"..."#) and lifetimes, and matches braces.
"""
import argparse
import os
import re
import sys

FN_RE = re.compile(r'\bfn\s+([A-Za-z_][A-Za-z0-9_]*)')


def strip(src):
    """Source with comments and literals blanked (newlines kept), so braces can be matched."""
    out = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if src.startswith('//', i):
            j = src.find('\n', i)
            j = n if j < 0 else j
            out.append(' ' * (j - i))
            i = j
        elif src.startswith('/*', i):
            depth, j = 1, i + 2
            while j < n and depth:
                if src.startswith('/*', j):
                    depth, j = depth + 1, j + 2
                elif src.startswith('*/', j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(re.sub(r'[^\n]', ' ', src[i:j]))
            i = j
        elif c == 'r' and re.match(r'r#*"', src[i:i + 10]) and (i == 0 or not (src[i - 1].isalnum() or src[i - 1] == '_')):
            m = re.match(r'r(#*)"', src[i:])
            end = '"' + m.group(1)
            j = src.find(end, i + len(m.group(0)))
            j = n if j < 0 else j + len(end)
            out.append(re.sub(r'[^\n]', ' ', src[i:j]))
            i = j
        elif c == '"' or (c == 'b' and src.startswith('b"', i)):
            j = i + (2 if c == 'b' else 1)
            while j < n and src[j] != '"':
                j += 2 if src[j] == '\\' else 1
            j += 1
            out.append(re.sub(r'[^\n]', ' ', src[i:j]))
            i = j
        elif c == "'":
            m = re.match(r"'(\\.|\\u\{[0-9a-fA-F]+\}|\\x..|[^\\'])'", src[i:])
            if m:
                out.append(' ' * len(m.group(0)))
                i += len(m.group(0))
            else:  # a lifetime
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return ''.join(out)


def functions(path):
    src = open(path, encoding='utf-8').read()
    s = strip(src)
    # blank out test modules
    for m in re.finditer(r'#\[cfg\(test\)\]\s*mod\s+\w+\s*\{', s):
        depth, j = 1, m.end()
        while j < len(s) and depth:
            depth += {'{': 1, '}': -1}.get(s[j], 0)
            j += 1
        s = s[:m.start()] + re.sub(r'[^\n]', ' ', s[m.start():j]) + s[j:]
    for m in FN_RE.finditer(s):
        # the body: first '{' after the signature that is not preceded by ';' (declarations)
        j = m.end()
        depth_paren = 0
        while j < len(s):
            ch = s[j]
            if ch in '(<[':
                depth_paren += 1
            elif ch in ')>]':
                depth_paren -= 1
            elif ch == ';' and depth_paren <= 0:
                j = -1
                break
            elif ch == '{' and depth_paren <= 0:
                break
            j += 1
        if j < 0 or j >= len(s):
            continue
        depth, k = 1, j + 1
        while k < len(s) and depth:
            depth += {'{': 1, '}': -1}.get(s[k], 0)
            k += 1
        start = s.count('\n', 0, m.start()) + 1
        end = s.count('\n', 0, k) + 1
        yield m.group(1), start, end - start + 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--max', type=int, default=150)
    ap.add_argument('--top', type=int, default=0)
    ap.add_argument('paths', nargs='*', default=['src'])
    a = ap.parse_args()
    found = []
    for root in a.paths:
        for dirpath, _, files in os.walk(root):
            for f in sorted(files):
                if f.endswith('.rs'):
                    p = os.path.join(dirpath, f)
                    for name, line, length in functions(p):
                        found.append((length, p, line, name))
    found.sort(reverse=True)
    if a.top:
        for length, p, line, name in found[:a.top]:
            print(f'{p}:{line}: fn {name}: {length} lines')
        return 0
    long = [x for x in found if x[0] > a.max]
    for length, p, line, name in long:
        print(f'{p}:{line}: fn {name}: {length} lines (over {a.max})')
    return 1 if long else 0


if __name__ == '__main__':
    sys.exit(main())
