"""Expected results and check keys from the comments around a document's commands.

`# ✅ ATTENDU: …` / `# EXPECTED: …` lines, and a short key from a test's title."""

from __future__ import annotations

import re
from dataclasses import dataclass

from readiness.importer._markdown import fold, slugify_key
from readiness.importer._marks import status_of_mark, strip_mark


@dataclass(frozen=True)
class Expectation:
    """The document's expected result: `# ✅ ATTENDU: …` / `# EXPECTED: …`."""

    line: int
    raw: str
    text: str
    status: str | None = None  # the mark's claim: pass, warn or fail
    absent: bool = False
    count: int | None = None


_EXPECT_KEYWORDS = re.compile(
    r"^(?:attendu|resultat attendu|resultats attendus|expected(?: result| output)?|expect|"
    r"doit afficher|should (?:print|show|return|output))\b\s*(?P<separator>[:=]|->|=>)?"
)
_ABSENT = re.compile(
    r"^(?:aucun(?:e)?\s+(?:resultat|sortie|occurrence|correspondance|ligne|match|fichier)s?|"
    r"no\s+(?:results?|output|match(?:es)?|lines?|files?)|nothing|rien|vide|empty|none|"
    r"\(?vide\)?|\(?empty\)?|0\s+(?:resultat|result|match|ligne|line|occurrence)s?|0|"
    r"pas de (?:resultat|sortie|correspondance))\b"
)
_COUNT = re.compile(r"^(\d+)\s+(?:resultats?|results?|occurrences?|matches|match|lignes?|lines?)\b")


def read_expectation(line: int, comment: str) -> Expectation | None:
    """The expectation in a comment line (without its `#` or `//`), or None when the
    comment is something else."""
    text = comment.strip()
    status, rest = strip_mark(text)
    found = _EXPECT_KEYWORDS.match(fold(rest))
    if not found:
        return None
    if found.group("separator"):
        separator = found.group("separator")
        expected = rest[rest.find(separator) + len(separator) :].strip()
    else:
        keyword_words = len(found.group(0).split())
        expected = " ".join(rest.split()[keyword_words:])
    inner_status, expected = strip_mark(expected)
    status = status or inner_status
    folded = fold(expected)
    absent = bool(_ABSENT.match(folded))
    count_match = _COUNT.match(folded)
    return Expectation(
        line=line,
        raw=text,
        text=expected,
        status=status_of_mark(status) if status else None,
        absent=absent,
        count=int(count_match.group(1)) if count_match and not absent else None,
    )


# "Test 1:", "Check 2 -", "Étape 3." before a test's title.
TEST_NUMBER = re.compile(
    r"^\s*(?:test|check|step|etape|étape|verification|vérification|controle|contrôle)\s*"
    r"\d+[a-z]?\s*[:.)-]\s*",
    re.IGNORECASE,
)


def key_hint(title: str) -> str:
    """A short key from a test's title, without the "check that" that starts most of them."""
    folded = fold(title)
    folded = TEST_NUMBER.sub("", folded)
    folded = re.sub(
        r"^(?:verifier|verify|check|ensure|s'assurer|controler|confirmer|confirm|tester|test)"
        r"(?:\s+(?:que|qu'|that|if|si|whether|le|la|les|l'|the))?\s*",
        "",
        folded,
    )
    return slugify_key(folded, limit=60)
