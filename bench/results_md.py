# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain a
# copy of the License at http://www.apache.org/licenses/LICENSE-2.0
"""
bench/results_md.py -- sections of bench/RESULTS.md owned by other scripts.

bench/run.py writes the whole file; bench/stress.py owns the text between
`<!-- stress:begin -->` and `<!-- stress:end -->`.  stress.py replaces its
block (or appends it); run.py keeps it when it rewrites the rest:

    text = results_md.keep_sections(o.out, text)   # before writing o.out
"""

import os
import re

# (begin, end) markers of the blocks other scripts own
SECTIONS = [("<!-- stress:begin -->", "<!-- stress:end -->")]


def _read(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def _write(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def replace_section(path, begin, end, body):
    """Put `body` between `begin` and `end` in the file at `path` (replacing
    what was there; appending the block if the markers are absent)."""
    block = begin + "\n" + body.rstrip("\n") + "\n" + end + "\n"
    old = _read(path)
    i = old.find(begin)
    j = old.find(end, i + len(begin)) if i >= 0 else -1
    if i >= 0 and j >= 0:
        new = old[:i] + block + old[j + len(end):].lstrip("\n")
    else:
        new = old.rstrip("\n") + ("\n\n" if old.strip() else "") + block
    _write(path, new)


def keep_sections(path, text):
    """`text` (the new content of `path`) with the marked blocks currently in
    `path` appended, unless `text` has its own."""
    old = _read(path)
    out = text.rstrip("\n") + "\n"
    for begin, end in SECTIONS:
        if begin in text:
            continue
        m = re.search(re.escape(begin) + r".*?" + re.escape(end), old, re.S)
        if m:
            out += "\n" + m.group(0) + "\n"
    return out
