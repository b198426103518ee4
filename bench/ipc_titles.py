"""Build src/kechuang/transfer/data/ipc_zh.tsv, the Chinese IPC titles, from a public source.

    python -m bench.ipc_titles GIT_DIR [--out FILE]

GIT_DIR is a git directory of the public repository Jingyou-design/cr_zl_v2 (its
`skills/ipc-search/references/IPC_Tree`, a parsed text tree of the IPC 2026.01 Chinese edition
that CNIPA publishes: one directory per section, class and subclass, one file per main group).
Only the facts are taken: each subclass's and main group's code and its Chinese title. The
titles keep their cross-references in brackets (the loader leaves them out of search terms).
Re-runnable: the same tree gives the same file (rows sorted by code).
"""

from __future__ import annotations

import argparse
import re
import subprocess
from pathlib import Path

SOURCE_REPO = "Jingyou-design/cr_zl_v2"
TREE = "skills/ipc-search/references/IPC_Tree/"
OUT = Path("src/kechuang/transfer/data/ipc_zh.tsv")
_SUBCLASS = re.compile(r"^[A-H]\d{2}[A-Z]$")
_MAIN_GROUP = re.compile(r"^[A-H]\d{2}[A-Z]\d{1,4}/00$")
# The tree keeps the PDF's line breaks as spaces inside Chinese text ("整 地"): joined again.
_BROKEN = re.compile(r"(?<=[^\x00-\x7f])\s+|\s+(?=[^\x00-\x7f])")


def _git(git_dir: str, *args: str, stdin: bytes | None = None) -> bytes:
    return subprocess.run(
        ["git", f"--git-dir={git_dir}", "-c", "core.quotepath=off", *args],
        input=stdin, capture_output=True, check=True,
    ).stdout  # fmt: skip


def _fields(text: str) -> dict[str, str]:
    """The `Key: value` lines before the first rule of a tree file."""
    out: dict[str, str] = {}
    for line in text.split("========")[0].splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() in ("Code", "Title", "Level"):
            out[key.strip()] = " ".join(value.split())
    return out


def rows(git_dir: str) -> tuple[str, list[tuple[str, str, str]]]:
    """(commit, [(code, level, title)]) for every subclass and main group of the tree."""
    commit = _git(git_dir, "rev-parse", "HEAD").decode().strip()
    paths = [
        p for p in _git(git_dir, "ls-tree", "-r", "--name-only", "-z", "HEAD").decode().split("\0")
        if p.startswith(TREE) and p.endswith(".txt")
    ]  # fmt: skip
    batch = "".join(f"HEAD:{p}\n" for p in paths).encode()
    raw = _git(git_dir, "cat-file", "--batch", stdin=batch)
    found: dict[str, tuple[str, str]] = {}
    pos = 0
    for _ in paths:
        header_end = raw.index(b"\n", pos)
        size = int(raw[pos:header_end].split()[2])
        body = raw[header_end + 1 : header_end + 1 + size].decode("utf-8", "replace")
        pos = header_end + 1 + size + 1
        f = _fields(body)
        code = f.get("Code", "").replace(" ", "")
        title = _BROKEN.sub("", f.get("Title", ""))
        if not title:
            continue
        if _SUBCLASS.match(code):
            found[code] = ("subclass", title)
        elif _MAIN_GROUP.match(code):
            found[code] = ("main_group", title)
    return commit, sorted((code, level, title) for code, (level, title) in found.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("git_dir")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    commit, table = rows(args.git_dir)
    header = [
        "# Chinese titles of the International Patent Classification (IPC 2026.01, CNIPA's",
        "# Chinese edition): subclasses and main groups, code TAB level TAB title_zh.",
        f"# Source: github.com/{SOURCE_REPO} at {commit},",
        f"#   {TREE} (a parsed text tree of the official tables).",
        "# Facts only (codes and their official titles); built by bench/ipc_titles.py.",
    ]
    with args.out.open("w", encoding="utf-8") as out:
        out.write("\n".join(header) + "\ncode\tlevel\ttitle_zh\n")
        for code, level, title in table:
            out.write(f"{code}\t{level}\t{title.replace(chr(9), ' ')}\n")
    subclasses = sum(1 for r in table if r[1] == "subclass")
    print(f"{args.out}: {subclasses} subclasses, {len(table) - subclasses} main groups")


if __name__ == "__main__":
    main()
