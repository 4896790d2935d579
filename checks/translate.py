"""RE2 patterns translated to Rust regex syntax for ripgrep, never narrower than RE2.

rg only nominates lines and RE2 confirms each one, so a translation may match more than
the pattern but must never make rg miss a line RE2 would match: it is exact or wider
(ASCII classes spelled out, `\\b` as ASCII `(?-u:\\b)`, a literal `{` escaped, ...), and
a pattern it is not sure of (Unicode classes, case-insensitive non-ASCII, a literal
newline, ...) gets no translation. For a multiline pattern, `line_prefix` finds a leading
part that rg can search line by line.
"""

from __future__ import annotations

from checks.compiled import matches_empty
from checks.patterns import PatternError, compile_pattern

_RUST_META = set("\\.+*?()|[]{}^$#&-~")
_CLASS_META = set("\\]-^&~[")
_PERL = {
    "d": ("[0-9]", "0-9"),
    "s": ("[\\t\\x{0C}\\r ]", "\\t\\x{0C}\\r "),
    "w": ("[0-9A-Za-z_]", "0-9A-Za-z_"),
    "D": ("[^0-9\\n]", None),
    "S": ("[^\\t\\n\\x{0C}\\r ]", None),
    "W": ("[^0-9A-Za-z_\\n]", None),
}
_SIMPLE_ESCAPES = {"t": 0x09, "f": 0x0C, "r": 0x0D, "v": 0x0B, "a": 0x07}
_POSIX_WITHOUT_LETTERS = {"ascii", "blank", "cntrl", "digit", "punct", "space"}
_POSIX = _POSIX_WITHOUT_LETTERS | {"alnum", "alpha", "graph", "lower", "print", "upper"}
_POSIX |= {"word", "xdigit"}


class _Untranslatable(Exception):
    pass


class _Translator:
    """RE2 syntax to a Rust regex for rg that matches at least every line RE2 matches."""

    def __init__(self, pattern: str, ignore_case: bool) -> None:
        self.p = pattern
        self.i = 0
        self.out: list[str] = []
        self.ignore_case = ignore_case
        self.non_ascii = False
        self.negated_letters = False

    def run(self) -> str:
        p = self.p
        while self.i < len(p):
            c = p[self.i]
            self.i += 1
            if c == "\\":
                self.escape()
            elif c == "[":
                self.char_class()
            elif c == "(":
                self.group()
            elif c in ")|.^$*+?":
                self.out.append(c)
            elif c == "{":
                self.brace()
            else:
                self.literal(c)
        if self.ignore_case and (self.non_ascii or self.negated_letters):
            raise _Untranslatable("case folding beyond ASCII")
        body = "".join(self.out)
        return f"(?i:{body})" if self.ignore_case else body

    def literal(self, c: str, *, in_class: bool = False) -> str:
        code = ord(c)
        if c == "\n":
            raise _Untranslatable("newline")
        if code > 127:
            self.non_ascii = True
            text = c
        elif code < 0x20 or code == 0x7F:
            text = f"\\x{{{code:02X}}}"
        elif c in (_CLASS_META if in_class else _RUST_META):
            text = "\\" + c
        else:
            text = c
        if not in_class:
            self.out.append(text)
        return text

    def _escaped_char(self) -> str | None:
        """After a backslash: the character a character escape stands for, or None."""
        p = self.p
        d = p[self.i]
        if d in _SIMPLE_ESCAPES:
            self.i += 1
            return chr(_SIMPLE_ESCAPES[d])
        if d == "n":
            self.i += 1
            return "\n"
        if d == "x":
            if p.startswith("{", self.i + 1):
                end = p.index("}", self.i)
                digits, self.i = p[self.i + 2 : end], end + 1
            else:
                digits, self.i = p[self.i + 1 : self.i + 3], self.i + 3
            code = int(digits, 16)
            if 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
                raise _Untranslatable("code point")
            return chr(code)
        if d.isascii() and not d.isalnum() and d != "_":
            self.i += 1
            return d
        return None

    def escape(self) -> None:
        if self.i >= len(self.p):
            raise _Untranslatable("trailing backslash")
        d = self.p[self.i]
        if d in _PERL:
            self.i += 1
            self.out.append(_PERL[d][0])
            self.negated_letters = self.negated_letters or d == "W"
        elif d in "bB":
            self.i += 1
            self.out.append(f"(?-u:\\{d})")
        elif d == "A":
            self.i += 1
            self.out.append("^")
        elif d == "z":
            self.i += 1
            self.out.append("$")
        else:
            char = self._escaped_char()
            if char is None:
                raise _Untranslatable(f"escape \\{d}")
            self.literal(char)

    def brace(self) -> None:
        # RE2 reads `{` as a repetition only in the forms {n}, {n,} and {n,m}.
        end = self.p.find("}", self.i)
        body = self.p[self.i : end] if end != -1 else ""
        low, _, high = body.partition(",")
        if end != -1 and low.isdigit() and (not high or high.isdigit()):
            self.out.append("{" + body + "}")
            self.i = end + 1
        else:
            self.out.append("\\{")

    def group(self) -> None:
        p = self.p
        if not p.startswith("?", self.i):
            self.out.append("(?:")
            return
        self.i += 1
        if p.startswith(":", self.i):
            self.i += 1
        elif p.startswith(("P<", "<"), self.i) and not p.startswith(("<=", "<!"), self.i):
            self.i = p.index(">", self.i) + 1
        else:
            end = self.i
            while end < len(p) and p[end] in "imsU":
                end += 1
            if end >= len(p) or p[end] not in ":)":
                raise _Untranslatable("group flags")
            if "i" in p[self.i : end]:
                self.ignore_case = True
            closing = p[end]
            self.i = end + 1
            if closing == ")":
                return  # flags that hold to the end of the group: i is widened to all
        self.out.append("(?:")

    def char_class(self) -> None:
        p = self.p
        negated = p.startswith("^", self.i)
        if negated:
            self.i += 1
        items: list[str] = []
        letters = False
        start = self.i
        while True:
            if self.i >= len(p):
                raise _Untranslatable("unclosed class")
            if p[self.i] == "]" and self.i > start:  # a `]` first is a literal
                self.i += 1
                break
            if p.startswith("[:", self.i):
                end = p.find(":]", self.i + 2)
                name = p[self.i + 2 : end]
                if end == -1 or name.lstrip("^") not in _POSIX:
                    raise _Untranslatable("class")
                items.append(p[self.i : end + 2])
                letters = letters or name.startswith("^")
                letters = letters or name not in _POSIX_WITHOUT_LETTERS
                self.i = end + 2
                continue
            perl = p[self.i + 1 : self.i + 2] if p[self.i] == "\\" else ""
            if perl in ("d", "s", "w"):
                items.append(_PERL[perl][1])
                letters = letters or perl == "w"
                self.i += 2
                continue
            low = self._class_char()
            if p.startswith("-", self.i) and not p.startswith("-]", self.i):
                self.i += 1
                high = self._class_char()
                if ord(high) < ord(low) or (low <= "\n" <= high and not negated):
                    raise _Untranslatable("class range")
                letters = letters or _has_letters(low, high)
                items.append(self._class_text(low) + "-" + self._class_text(high))
            elif low != "\n":
                letters = letters or _has_letters(low, low)
                items.append(self._class_text(low))
        if negated:
            # RE2's line mode never matches a newline; say so to rg as well.
            items.append("\\n")
            self.negated_letters = self.negated_letters or letters
        if not items:
            raise _Untranslatable("class that only holds a newline")
        self.out.append("[" + ("^" if negated else "") + "".join(items) + "]")

    def _class_char(self) -> str:
        p = self.p
        c = p[self.i]
        self.i += 1
        if c != "\\":
            return c
        if self.i >= len(p):
            raise _Untranslatable("trailing backslash")
        char = self._escaped_char()
        if char is None:
            raise _Untranslatable(f"escape \\{p[self.i]} in class")
        return char

    def _class_text(self, c: str) -> str:
        return self.literal(c, in_class=True)


def _has_letters(low: str, high: str) -> bool:
    if ord(high) > 127:
        return True
    return any(chr(code).isalpha() for code in range(ord(low), ord(high) + 1))


def _top_level_items(pattern: str) -> list[str] | None:
    """The pattern split into its top-level items (an atom or group with its quantifier),
    or None when it has a top-level alternation."""
    items: list[str] = []
    i, n, depth, start = 0, len(pattern), 0, 0
    while i < n:
        c = pattern[i]
        if c == "\\":
            i += 2
        elif c == "[":
            i += 1
            if pattern.startswith("^", i):
                i += 1
            if pattern.startswith("]", i):
                i += 1  # a leading `]` is a literal
            while i < n and pattern[i] != "]":
                posix = pattern.find(":]", i) if pattern.startswith("[:", i) else -1
                if pattern[i] == "\\":
                    i += 2
                elif posix != -1:
                    i = posix + 2
                else:
                    i += 1
            i += 1
        elif c == "(":
            depth += 1
            i += 1
        elif c == ")":
            depth -= 1
            i += 1
        elif c == "|" and depth == 0:
            return None
        else:
            i += 1
        if depth == 0:
            # A quantifier belongs to the item before it.
            while i < n and pattern[i] in "*+?{":
                if pattern[i] == "{":
                    end = pattern.find("}", i)
                    body = pattern[i + 1 : end] if end != -1 else ""
                    if not body.replace(",", "", 1).isdigit():
                        break
                    i = end + 1
                else:
                    i += 1
            items.append(pattern[start:i])
            start = i
    return items if depth == 0 else None


# Constructs that may match a newline in multiline mode (conservative).
_NEWLINE_CAPABLE = ("\\s", "\\n", "\\D", "\\W", "\\x", "\\0", "\\C", "\\p", "\\P", "[^")
_NEWLINE_CAPABLE += ("[:space:]", "[:cntrl:]", "[:^", "\\Q")


def line_prefix(pattern: str) -> str | None:
    """For a multiline pattern, its longest leading run of top-level items that can never
    match a newline, when that run is a usable pattern of its own. Every match of the
    whole pattern starts with a match of this prefix inside one line, so a file whose
    lines never match it cannot match the pattern."""
    items = _top_level_items(pattern)
    if not items:
        return None
    dot_all = "(?" in pattern and any(
        "s" in flags.split(":")[0].split("-")[0] for flags in pattern.split("(?")[1:]
    )
    prefix: list[str] = []
    for item in items:
        if any(token in item for token in _NEWLINE_CAPABLE) or (dot_all and "." in item):
            break
        if any(ord(c) < 0x20 for c in item) or ("[" in item and "\\" in item and "-" in item):
            break
        prefix.append(item)
    text = "".join(prefix)
    if not text:
        return None
    try:
        compiled = compile_pattern(text)
    except PatternError:
        return None
    if matches_empty(compiled):
        return None  # it would nominate every line
    return text


def rust_translation(pattern: str, *, ignore_case: bool = False) -> str | None:
    """A Rust-syntax regex for rg that matches at least every line that `pattern` (RE2,
    line mode) matches, or None when no such translation is certain."""
    try:
        return _Translator(pattern, ignore_case).run()
    except (_Untranslatable, ValueError, IndexError):
        return None
