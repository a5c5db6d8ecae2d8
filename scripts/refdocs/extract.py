#!/usr/bin/env python3
"""Turn the console examples of KX's q documentation into golden transcripts.

Reads the Markdown sources of code.kx.com (the KxSystems/docs repository,
from a bare git directory as the `fetch` tool leaves it, or from a checked-out
tree) and writes one transcript per page:

    tests/golden/ref/<page>.qt       from docs/ref/<page>.md
    tests/golden/basics/<page>.qt    from docs/basics/<page>.md

A console example is a `q)` line inside a code block, followed by what q
printed, up to the next prompt or the end of the block. Only those inputs and
outputs go into the transcripts (they are facts about q); the pages' prose does
not. Each file's header names the page, its source path and commit, and how
many examples were left out and why.

Left out are only examples that cannot be reproduced deterministically or are
not faithful q sessions: random draws, clocks, the file system, IPC, shell
calls, the process's environment, outputs the page abbreviates, inputs that do
not fit on one line, and steps that depend on a skipped or unshown step. The
automatic rules are below; the examples excluded by hand after review are in
`exclusions.tsv` beside this script, each with its reason. Two typographic
repairs are made: no-break spaces in code become spaces, and a trailing
`/ annotation` that a page appends to an output line is removed (counted in
the file's header).

Usage:
    scripts/refdocs/extract.py --git-dir /work/.mirror/KxSystems+docs/repo
    scripts/refdocs/extract.py --tree /tmp/kxdocs --commit <sha>
Options: --out DIR (default tests/golden), --list (print per-page counts and
the reason of every skipped example instead of writing files).
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

SECTIONS = ("ref", "basics")
SITE = "https://code.kx.com/q"
REPO = "KxSystems/docs"
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent

# Reason keys, in the order they are reported. Every skipped example gets
# exactly one (the first rule that applies). The texts go into the headers as
# `reason n, reason n`, so they hold no commas.
REASONS = {
    "debugger": "at a q)) debugger prompt the kept steps do not reach",
    "toggle": "\\ alone at q): toggles k mode",
    "multiline": "input spans lines that cannot be joined exactly",
    "exit": "exits q",
    "random": "random numbers",
    "clock": "clock or timing",
    "files": "file system",
    "ipc": "IPC or handles",
    "shell": "shell or OS command",
    "env": "process environment / memory / threads",
    "stderr": "writes to stderr",
    "ksource": "output is the k source of a q-defined function",
    "elided": "output abbreviated on the page",
    "width": "output wider than 80 columns",
    "height": "output longer than the console's 25 lines",
    "slash": "an output line starts with / (not expressible in .qt)",
    "depends": "depends on a skipped step",
    "context": "relies on context the page does not show",
    "typo": "typo or error on the page",
    "version": "output of another q version (contradicted elsewhere)",
    "notsession": "not a console input (side-by-side sessions / printed output / schematic)",
    "hangs": "does not return in q (so the page says)",
    "state": "changes a setting (console size / namespace) later examples do not assume",
    "internal": "output is q's internal bytecode (not a language fact)",
}

PROMPT = re.compile(r"^(q(?:\.[A-Za-z0-9_.]*)?)(\)+)(.*)$")


@dataclass
class Case:
    """One console example: the input as it goes to q, and q's output."""

    input: str
    output: list[str]
    line: int
    skip: str | None = None
    note: str = ""
    assigns: set[str] = field(default_factory=set)
    annotated: int = 0
    # the debugger's nesting at its prompt (`q))` is 1)
    depth: int = 0
    # the debugger levels the session is left at, unshown, before this step
    # (the page's next prompt is shallower): `\` steps from `exit_from` down
    exits: int = 0
    exit_from: int = 0


# ---------------------------------------------------------------------------
# Reading the sources


def git(git_dir: str, *args: str) -> str:
    return subprocess.run(
        ["git", "--git-dir", git_dir, *args],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def read_pages(args) -> tuple[str, dict[str, dict[str, str]]]:
    """Returns (commit, {section: {page: markdown}})."""
    pages: dict[str, dict[str, str]] = {s: {} for s in SECTIONS}
    if args.git_dir:
        commit = git(args.git_dir, "rev-parse", args.rev).strip()
        names = git(args.git_dir, "ls-tree", "-r", "--name-only", commit, "docs").split("\n")
        for name in names:
            parts = name.split("/")
            if len(parts) == 3 and parts[1] in SECTIONS and parts[2].endswith(".md"):
                pages[parts[1]][parts[2][:-3]] = git(args.git_dir, "show", f"{commit}:{name}")
        return commit, pages
    if not args.commit:
        sys.exit("extract.py: --tree needs --commit (the KxSystems/docs commit it holds)")
    for s in SECTIONS:
        d = Path(args.tree) / "docs" / s
        for p in sorted(d.glob("*.md")):
            pages[s][p.stem] = p.read_text(encoding="utf-8")
    return args.commit, pages


# ---------------------------------------------------------------------------
# Code blocks


def code_blocks(md: str) -> list[tuple[int, list[str]]]:
    """The page's code blocks that hold a q) prompt, as (first line, lines),
    with the block's own indentation removed. Fenced blocks and indented
    blocks (inside admonitions) both count; HTML comments are not published
    on the site and are dropped."""
    md = re.sub(r"<!--.*?-->", lambda m: "\n" * m.group(0).count("\n"), md, flags=re.S)
    # some pages' code has no-break spaces where the console had spaces
    md = md.replace("\u00a0", " ")
    lines = md.split("\n")
    blocks: list[tuple[int, list[str]]] = []
    i = 0
    while i < len(lines):
        m = re.match(r"^(\s*)(`{3,}|~{3,})", lines[i])
        if m:
            indent, fence = len(m.group(1)), m.group(2)
            body = []
            j = i + 1
            while j < len(lines) and not re.match(r"^\s*" + re.escape(fence) + r"\s*$", lines[j]):
                body.append(dedent(lines[j], indent))
                j += 1
            if any(PROMPT.match(b) for b in body):
                blocks.append((i + 2, body))
            i = j + 1
            continue
        m = re.match(r"^(\s{4,})q[.\w]*\)", lines[i])
        if m:
            indent = len(m.group(1))
            body = []
            j = i
            while j < len(lines) and (
                not lines[j].strip() or len(lines[j]) - len(lines[j].lstrip(" ")) >= indent
            ):
                body.append(dedent(lines[j], indent))
                j += 1
            while body and not body[-1].strip():
                body.pop()
            blocks.append((i + 1, body))
            i = j
            continue
        i += 1
    return blocks


def dedent(line: str, n: int) -> str:
    k = 0
    while k < n and k < len(line) and line[k] == " ":
        k += 1
    return line[k:]


# ---------------------------------------------------------------------------
# Lexing just enough of q


def scan(line: str) -> tuple[str, str, int, bool]:
    """Splits one line of q into (code without its trailing comment, code
    with string contents blanked, bracket depth change, string left open).
    A `/` starts a comment at the start of the line or after whitespace."""
    if line.startswith("\\"):
        return line, line, 0, False
    code = []
    blank = []
    depth = 0
    i = 0
    in_str = False
    n = len(line)
    while i < n:
        c = line[i]
        if in_str:
            if c == "\\" and i + 1 < n:
                code.append(line[i : i + 2])
                blank.append("  ")
                i += 2
                continue
            if c == '"':
                in_str = False
                code.append(c)
                blank.append(c)
            else:
                code.append(c)
                blank.append(" ")
            i += 1
            continue
        if c == '"':
            in_str = True
        elif c == "/" and (i == 0 or line[i - 1] in " \t"):
            break
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        code.append(c)
        blank.append(c)
        i += 1
    return "".join(code).rstrip(), "".join(blank).rstrip(), depth, in_str


def joinable(prev: str, nxt: str) -> bool:
    """Whether a line break between two pieces of one expression may become
    a space: after `;` or an opening bracket, after a lambda's parameter
    list, or before a closing bracket (q reads such a break as a blank)."""
    if not prev or not nxt:
        return True
    if prev[-1] in ";([{" or nxt[0] in ")]}":
        return True
    return bool(re.search(r"\{\[[\w; ]*\]$", prev))


def strip_annotations(out: list[str]) -> tuple[list[str], int]:
    """Some pages annotate an output line with a trailing `/ comment` after
    two or more blanks (or `//`); q does not print it. It is removed when
    what precedes it is complete q text (no open string or bracket)."""
    res = []
    n = 0
    for o in out:
        m = re.search(r"(?:\s{2,}/|\s//)", o)
        if m and not o.lstrip().startswith("/"):
            before = o[: m.start()]
            _, _, depth, open_str = scan(before)
            if depth == 0 and not open_str and before.count('"') % 2 == 0:
                res.append(before.rstrip())
                n += 1
                continue
        res.append(o)
    return res, n


# ---------------------------------------------------------------------------
# Splitting a block into cases


def block_cases(first_line: int, body: list[str]) -> list[Case]:
    cases: list[Case] = []
    i = 0
    n = len(body)
    while i < n:
        m = PROMPT.match(body[i])
        if not m:
            i += 1
            continue
        start = first_line + i
        prompt_ns, parens, text = m.group(1), m.group(2), m.group(3)
        skip = None
        text = text.rstrip()
        code, _, depth, open_str = scan(text)
        pieces = [code]
        i += 1
        if depth > 0 or open_str:
            exact = not open_str
            while i < n and depth > 0 and not PROMPT.match(body[i]):
                c2, _, d2, s2 = scan(body[i].strip())
                if c2:
                    exact = exact and joinable(pieces[-1], c2) and not s2
                    pieces.append(c2)
                depth += d2
                i += 1
            if depth != 0 or not exact:
                skip = skip or "multiline"
            text = " ".join(p for p in pieces if p)
        out = []
        while i < n and not PROMPT.match(body[i]):
            out.append(body[i].rstrip())
            i += 1
        while out and not out[-1].strip():
            out.pop()
        if not code.strip() and not out and not text.lstrip().startswith("\\"):
            # an empty or comment-only input: q prints nothing, nothing to test
            continue
        out, notes = strip_annotations(out)
        c = Case(input=text, output=out, line=start, skip=skip, depth=len(parens) - 1)
        c.annotated = notes
        c.note = prompt_ns
        cases.append(c)
    return cases


# ---------------------------------------------------------------------------
# The automatic rules

CLOCK = re.compile(r"\.z\.[pPtTdDzZnN]\b|\.z\.ts\b")
ENV = re.compile(
    r"\.z\.[KkoxfiacleuXqHh]\b|\.Q\.[Kkx]\b|\bgetenv\b|\bsetenv\b|\.Q\.w\b|\.Q\.gc\b|\.Q\.host\b"
    r"|\.Q\.addr\b|\.z\.(?:pw|pg|ps|po|pc|ph|pp|pm|wo|wc|ws|W|vs|bm|exit|pd|ac|zd)\b"
    r"|\.Q\.opt\b|-120!|-13!|-26!|\.Q\.ts\b"
)
IPC = re.compile(r"\bhopen\b|\bhclose\b|`:[\w.]*:\d+|\.z\.w\b|\bneg\s+h\b|\.Q\.h[pg]\b")
FILES = re.compile(
    r"\bread0\b|\bread1\b|\bhcount\b|\bhdel\s*`:|\brload\b|\brsave\b|\bdsave\b"
    r"|\bsave\b|\bload\b|\.Q\.en\[(?!::)|\.Q\.(?:dpft|dpfts|ens|hdpf|par|chk|l|lo|bv|cn|pn|pv|pf|pd|D|PV|pt|vp|MAP|fs|fsn|fpn|fc)\b"
    r"|\.Q\.(?:dsftg|Xf|xf|P|pv|pn|view|li)\b|-11!|-19!|-21!|\b2:|\buse\b"
)
# a file handle symbol, except where only the path itself is worked on
FILE_SYM = re.compile(r"`:")
PATH_ONLY = re.compile(r"^(?:[^`]|`(?!:))*?\b(?:hsym|sv|vs|\.Q\.dd)\b")
STDERR = re.compile(r"(?:^|[;\[({\s])-2\s*(?:\"|string\b|\.Q\.s\b|\(|@)|(?:^|[;\[({])2\s*(?:@|\")")

# System commands by name: the ones that change or show only q's own state
# are kept; the rest depend on the machine, the clock or the file system.
SYSCMD = {
    **{c: None for c in "c C d v f a b B e P z W x".split()},
    **{c: "clock" for c in "t ts".split()},
    **{c: "files" for c in "l cd r 1 2 u".split()},
    **{c: "env" for c in "w s g p T o _ E i".split()},
    "S": "random",
}


def syscmd_reason(cmd: str) -> str | None:
    name = re.match(r"[A-Za-z_12]*", cmd).group(0)
    if cmd.startswith("\\"):
        return "exit"
    if name == "" and cmd.strip() == "":
        return None
    if name == "t" and cmd[1:2] == ":":
        return "clock"
    return SYSCMD.get(name, "shell")


# q's own console display of q-defined functions is their k source
KSOURCE = re.compile(r"(?:^|[^\w])k\)\{")


def is_random(code: str, ints: set[str]) -> bool:
    if re.search(r"\brand\b|^\\S\b|\bsystem\s*\"S", code):
        return True
    for m in re.finditer(r"\?", code):
        left = code[: m.start()].rstrip()
        # an integer atom (not the end of a numeric vector) or 0N, maybe negative
        mm = re.search(r"(?:^|[^\w.`\"\])}\s]|\s)(-?\d+[hij]?|-?0N[hij]?|0W)$", left)
        if mm:
            before = left[: mm.start(1)].rstrip()
            if not re.search(r"[\d.][hijefb]?$", before) or before.endswith(("(", "[", ";", ":")):
                return True
        mm = re.search(r"(?:^|[^\w.`])(-?)([a-zA-Z]\w*)$", left)
        if mm and mm.group(2) in ints:
            return True
    return False


NAME = r"[a-zA-Z.][\w.]*"


def statements(blank: str) -> list[str]:
    """The top-level statements of one input line."""
    out = []
    depth = 0
    start = 0
    for i, ch in enumerate(blank):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == ";" and depth == 0:
            out.append(blank[start:i])
            start = i + 1
    out.append(blank[start:])
    return out


def assigned_names(blank: str) -> tuple[set[str], set[str]]:
    """Names a line assigns: (whole values replaced, values amended). A
    statement's leading `a:b:` chain, `name::` anywhere, and `` `name set ``
    replace; `a[i]:` and `a+:` amend."""
    full: set[str] = set()
    part: set[str] = set()
    for st in statements(blank):
        # `show t:...`, `f x:...`: an assignment after a function word
        for m in re.finditer(r"(?<![\w.`])(" + NAME + r")\s*:(?![:/\\])", st[1:]):
            if not any(ch in st[: m.start() + 1] for ch in "([{"):
                full.add(m.group(1).lstrip("."))
        rest = st
        while True:
            m = re.match(r"\s*(" + NAME + r")\s*(\[[^\]]*\])?\s*([-+*%&|,^#_!~=<>$?@.]?)::?(?!:)", rest)
            if not m:
                break
            (part if m.group(2) or m.group(3) else full).add(m.group(1).lstrip("."))
            rest = rest[m.end() :]
    for m in re.finditer(r"(" + NAME + r")\s*::", blank):
        full.add(m.group(1).lstrip("."))
    for m in re.finditer(r"`(" + NAME + r")\s+set\b", blank):
        full.add(m.group(1).lstrip("."))
    for m in re.finditer(r"`(" + NAME + r")\s*(?:insert|upsert)\b", blank):
        part.add(m.group(1).lstrip("."))
    return full, part - full


def lambda_locals(blank: str) -> list[tuple[int, int, set[str]]]:
    """Each lambda's span and the names local to it (its parameters, or
    x y z, and the names it assigns with a single colon)."""
    spans = []
    stack = []
    for i, ch in enumerate(blank):
        if ch == "{":
            stack.append(i)
        elif ch == "}" and stack:
            st = stack.pop()
            body = blank[st + 1 : i]
            m = re.match(r"\s*\[([^\]]*)\]", body)
            names = {p.strip() for p in m.group(1).split(";")} if m else {"x", "y", "z"}
            names |= set(re.findall(r"(?<![\w.`])([a-zA-Z]\w*)\s*:(?!:)", body))
            spans.append((st, i, names))
    return spans


def referenced(blank: str, names: set[str]) -> str | None:
    """The first of `names` the line reads as a global, if any."""
    if not names:
        return None
    spans = lambda_locals(blank)
    for m in re.finditer(r"(?<![\w.`])\.?([a-zA-Z][\w.]*)", blank):
        nm = m.group(1)
        tail = blank[m.end() :]
        if re.match(r"\s*::?(?!:)", tail) and not re.match(r"\s*::", tail[:0]):
            continue
        head = nm.split(".")[0]
        hit = nm if nm in names else head if head in names else None
        if hit is None:
            continue
        if any(a < m.start() < b and head in loc for a, b, loc in spans):
            continue
        return hit
    # a table passed by name (`` keys`t ``, `` `t insert ``): a lone symbol
    # after a keyword that takes a table name, or before insert/upsert
    for m in re.finditer(r"(?:`[\w.:/]*)+", blank):
        syms = m.group(0).split("`")[1:]
        if len(syms) != 1 or syms[0].lstrip(".") not in names:
            continue
        before = blank[: m.start()].rstrip()
        after = blank[m.end() :]
        if re.search(r"\b(?:from|get|value|keys|meta|cols|xkey|xasc|xdesc|xcol|xcols|xgroup)$", before) or re.match(
            r"\s*(?:insert|upsert)\b", after
        ):
            return syms[0].lstrip(".")
    return None


def classify(c: Case, ints: set[str]) -> str | None:
    _, blank, _, _ = scan(c.input)
    if re.search(r"\s{3,}q\)", c.input):
        return "notsession"
    if re.match(r"^\\\s*(?:/.*)?$", c.input) and c.depth == 0:
        return "toggle"
    if c.input.startswith("\\"):
        r = syscmd_reason(c.input[1:])
        if r is not None:
            return r
    for m in re.finditer(r"\bsystem\s*(\"?)", blank):
        if not m.group(1):
            return "shell"
        lit = re.match(r'"((?:[^"\\]|\\.)*)"', c.input[m.end() - 1 :])
        r = syscmd_reason(lit.group(1)) if lit else "shell"
        if r is not None:
            return r
    if re.search(r"\bexit\b", blank):
        return "exit"
    if is_random(blank, ints):
        return "random"
    if CLOCK.search(blank):
        return "clock"
    if IPC.search(blank):
        return "ipc"
    if FILES.search(blank) or (FILE_SYM.search(blank) and not PATH_ONLY.search(blank)):
        return "files"
    if ENV.search(blank):
        return "env"
    if STDERR.search(blank):
        return "stderr"
    if any(KSOURCE.search(o) for o in c.output):
        return "ksource"
    for o in c.output:
        # q strings in the output may hold dots of their own
        s = re.sub(r'"(?:[^"\\]|\\.)*"', '""', o.rstrip())
        if "..." in s or "…" in s:
            return "elided"
        if s.strip() == "..":
            # q's own marker for rows beyond the console height
            continue
        if s.endswith("..") and len(s) < 79:
            return "elided"
    if any(len(o.rstrip()) > 80 for o in c.output):
        return "width"
    if len(c.output) > 25:
        return "height"
    if any(o.startswith("/") for o in c.output):
        return "slash"
    return None


# ---------------------------------------------------------------------------
# Exclusions by hand


@dataclass
class Exclusion:
    page: str
    input: str
    reason: str
    note: str
    line: int = 0
    used: int = 0


def load_exclusions(path: Path) -> list[Exclusion]:
    ex = []
    if not path.exists():
        return ex
    for n, raw in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
        if not raw.strip() or raw.startswith("#"):
            continue
        parts = raw.split("\t")
        if len(parts) < 3 or parts[2] not in REASONS:
            sys.exit(f"{path}:{n}: want page<TAB>input<TAB>reason<TAB>note[<TAB>line], reason one of {', '.join(REASONS)}")
        line = int(parts[4]) if len(parts) > 4 and parts[4] else 0
        ex.append(Exclusion(parts[0], parts[1], parts[2], parts[3] if len(parts) > 3 else "", line))
    return ex


# ---------------------------------------------------------------------------


def page_cases(md: str) -> list[Case]:
    cases = []
    for first, body in code_blocks(md):
        cases.extend(block_cases(first, body))
    return cases


def process(section: str, page: str, md: str, exclusions: list[Exclusion]) -> list[Case]:
    cases = page_cases(md)
    key = f"{section}/{page}"
    mine = [e for e in exclusions if e.page == key and not e.input.startswith("=")]
    # names the page uses but never defines (an exclusion `=name,name`)
    tainted: dict[str, str] = {}
    # `=name,name@LINE`: from that line of the page on
    later: list[tuple[int, list[str]]] = []
    for e in exclusions:
        if e.page == key and e.input.startswith("="):
            spec, _, at = e.input[1:].partition("@")
            later.append((int(at) if at else 0, [nm.strip() for nm in spec.split(",")]))
            e.used += 1
    ints: set[str] = set()
    level, lost = 0, False
    for c in cases:
        for at, nms in later:
            if at <= c.line:
                for nm in nms:
                    tainted[nm] = "context"
        later = [(at, nms) for at, nms in later if at > c.line]
        _, blank, _, _ = scan(c.input)
        for m in re.finditer(r"(?:^|;)\s*([a-zA-Z]\w*)\s*:\s*(\d+)[ij]?\s*(?=;|$)", blank):
            ints.add(m.group(1))
        full, part = assigned_names(blank)
        if re.match(r"^\\l\s+sp\.q\b", c.input):
            # KX's sp.q script defines the suppliers-and-parts tables
            full |= {"s", "p", "sp"}
        c.assigns = full | part
        if c.skip is None:
            c.skip = classify(c, ints)
        for e in mine:
            if e.line and e.line != c.line:
                continue
            if c.skip is None and (e.input == c.input or (e.input.endswith("*") and c.input.startswith(e.input[:-1]))):
                c.skip = e.reason
                e.used += 1
        if c.skip is None and not c.input.startswith("\\"):
            r = referenced(blank, set(tainted))
            if r is not None:
                c.skip = tainted[r]
                c.note = r
        # the debugger: the kept steps' suspensions, and the ones the page
        # leaves unshown (its next prompt is shallower); after a skipped
        # step that suspended, the page's q)) steps are not reproduced
        if c.skip is None:
            if c.depth > level or (lost and c.depth > 0):
                c.skip = "debugger"
            elif c.depth < level:
                c.exits, c.exit_from = level - c.depth, level
        if c.skip is None:
            level = c.depth - pops(c) + suspends(c)
            lost = False
        elif suspends(c):
            lost = True
        if c.skip is not None:
            for nm in c.assigns:
                tainted.setdefault(nm, "context" if c.skip == "context" else "depends")
        else:
            # a name assigned again by a kept step is no longer tainted
            for nm in full:
                tainted.pop(nm, None)
    return cases


# A frame line of q's error display whose frame is a lambda: the error
# suspended the session (q's console is in error-trap mode 1).
LAMBDA_FRAME = re.compile(r"^(?:  |>>)\[[1-9]\d*\]  (?:.+?:\d+: )?(?:[\w.]+@?:)?\{")
# the line marking a `\` step the page does not show (scripts/ref-coverage)
UNSHOWN = "/ (the page leaves the debugger here, unshown)"


def suspends(c: Case) -> int:
    """1 when the step's output is an error inside a lambda (q suspends)."""
    if not c.output or not c.output[0].startswith("'"):
        return 0
    # `&` at q)) shows the error and its frame without suspending again
    if c.depth > 0 and re.sub(r"\s/.*$", "", c.input).strip() == "&":
        return 0
    return 1 if any(LAMBDA_FRAME.match(o) for o in c.output[1:]) else 0


def pops(c: Case) -> int:
    """1 when a step at a q)) prompt ends that suspension: \\, :e, 'e."""
    if c.depth == 0:
        return 0
    t = re.sub(r"\s/.*$", "", c.input).strip()
    return 1 if t == "\\" or t.startswith("'") or (t.startswith(":") and not t.startswith("::")) else 0


def header(section: str, page: str, commit: str, cases: list[Case]) -> list[str]:
    kept = sum(1 for c in cases if c.skip is None)
    skipped = collections.Counter(c.skip for c in cases if c.skip is not None)
    reasons = ", ".join(f"{REASONS[r]} {skipped[r]}" for r in REASONS if skipped[r])
    lines = [
        f"/ Console examples from {SITE}/{section}/{page}/",
        f"/ source: {REPO} docs/{section}/{page}.md at commit {commit}",
        "/ extracted by scripts/refdocs/extract.py (inputs and q's printed output only);",
        "/ not run by the golden suite: measured by scripts/ref-coverage",
        f"/ cases: {kept}",
    ]
    ann = sum(c.annotated for c in cases if c.skip is None)
    if ann:
        lines.append(f"/ {ann} output line(s) carried a trailing `/ annotation` on the page; removed")
    lines += [
        f"/ skipped: {sum(skipped.values())}" + (f" ({reasons})" if reasons else ""),
    ]
    if any(c.skip is None and (c.depth or c.exits) for c in cases):
        lines.append("/ command line: -e 1")
    return lines


def render(section: str, page: str, commit: str, cases: list[Case]) -> str:
    lines = header(section, page, commit, cases)
    for c in cases:
        if c.skip is not None:
            continue
        for k in range(c.exits):
            lines.append(UNSHOWN)
            lines.append("q" + ")" * (c.exit_from - k + 1) + "\\")
        lines.append("q" + ")" * (c.depth + 1) + c.input)
        lines.extend(c.output)
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--git-dir", help="bare git directory of KxSystems/docs")
    ap.add_argument("--rev", default="HEAD", help="revision in --git-dir (default HEAD)")
    ap.add_argument("--tree", help="a checked-out KxSystems/docs tree instead of --git-dir")
    ap.add_argument("--commit", help="the commit --tree holds")
    ap.add_argument("--out", default=str(ROOT / "tests" / "golden"))
    ap.add_argument("--exclusions", default=str(HERE / "exclusions.tsv"))
    ap.add_argument("--list", action="store_true", help="print what is skipped and why; write nothing")
    ap.add_argument("--json", help="also write every example (kept or not) with its page line to this file")
    args = ap.parse_args()
    if not args.git_dir and not args.tree:
        ap.error("give --git-dir or --tree")
    commit, pages = read_pages(args)
    exclusions = load_exclusions(Path(args.exclusions))
    totals: dict[str, collections.Counter] = {}
    dump = []
    for section in SECTIONS:
        outdir = Path(args.out) / section
        if not args.list:
            outdir.mkdir(parents=True, exist_ok=True)
            for old in outdir.glob("*.qt"):
                old.unlink()
        tot = collections.Counter()
        for page in sorted(pages[section]):
            cases = process(section, page, pages[section][page], exclusions)
            if not cases:
                continue
            for c in cases:
                dump.append({"page": f"{section}/{page}", "line": c.line, "input": c.input,
                             "output": c.output, "skip": c.skip, "note": c.note})
            tot["pages"] += 1
            tot["cases"] += sum(1 for c in cases if c.skip is None)
            for c in cases:
                if c.skip is not None:
                    tot[c.skip] += 1
            if args.list:
                for c in cases:
                    if c.skip is not None:
                        extra = f" ({c.note})" if c.skip in ("depends", "context") else ""
                        print(f"{section}/{page}:{c.line}: {c.skip}{extra}: q){c.input}")
            else:
                (outdir / f"{page}.qt").write_text(render(section, page, commit, cases), encoding="utf-8")
        totals[section] = tot
    if args.json:
        import json

        Path(args.json).write_text(json.dumps(dump, indent=1), encoding="utf-8")
    for section, tot in totals.items():
        sk = sum(v for k, v in tot.items() if k in REASONS)
        detail = ", ".join(f"{r} {tot[r]}" for r in REASONS if tot[r])
        print(f"{section}: {tot['pages']} pages, {tot['cases']} cases, {sk} skipped ({detail})", file=sys.stderr)
    unused = [e for e in exclusions if e.used == 0]
    for e in unused:
        print(f"extract.py: exclusion not used: {e.page}: {e.input}", file=sys.stderr)
    if unused:
        sys.exit(1)


if __name__ == "__main__":
    main()
