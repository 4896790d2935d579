"""Expected results and check keys from the comments around a document's commands.

`# ✅ ATTENDU: …` / `# EXPECTED: …` / `# should return empty` / `-- Deve retornar: 13` /
`# 应该返回 200` / `# 結果がゼロであることを確認` lines, and a short key from a test's title."""

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
    status_code: int | None = None  # an HTTP status ("should return 200")


_EXPECT_KEYWORDS = re.compile(
    r"^(?:(?:attendu|resultat attendu|resultats attendus|expected(?: result| output)?|expect|"
    r"doit (?:afficher|retourner|renvoyer|etre)|should (?:print|show|return|output|be)|"
    r"must (?:return|print|be)|deve (?:retornar|mostrar|ser|dar|terminar|passar)|"
    r"should (?:pass|succeed|exit)|debe (?:devolver|retornar|mostrar|ser)|"
    r"deberia (?:devolver|retornar|mostrar|ser)|resultado esperado|esperado|"
    r"count)\b|应该返回|应返回|应该为|应为|应该是|预期结果|预期|期望|期待値|期待)"
    r"\s*(?P<separator>[:=：]|->|=>)?"
)
# Japanese puts the check at the end: "結果がゼロであることを確認", "count: 10000 を確認".
_JA_SUFFIX = re.compile(r"\s*(?:であること|こと)?\s*を?確認(?:する)?\s*[。.]?$")
_ABSENT = re.compile(
    r"^(?:aucun(?:e)?\s+(?:resultat|sortie|occurrence|correspondance|ligne|match|fichier)s?|"
    r"no\s+(?:results?|output|match(?:es)?|lines?|files?)|nothing|rien|vide|empty|none|"
    r"\(?vide\)?|\(?empty\)?|0\s+(?:resultat|result|match|ligne|line|occurrence)s?|0|"
    r"pas de (?:resultat|sortie|correspondance)|vazio|vazia|vacio|vacia|nada|nenhum resultado|"
    r"ningun resultado|sem resultados?|sin resultados?|zero)\b|^(?:空|无|没有|なし|ゼロ|0件)|"
    r"(?:为空|返回空|がゼロ|が0件|がない|結果なし|无结果|没有结果)$"
)
_COUNT = re.compile(
    r"^(\d+)(?:\s+(?:resultats?|results?|occurrences?|matches|match|lignes?|lines?|rows?|"
    r"linhas?|filas?|resultados?|件|行|条))?\s*$|^(\d+)\s+(?:resultats?|results?|"
    r"occurrences?|matches|match|lignes?|lines?)\b"
)
_STATUS_CODE = re.compile(r"^(?:http\s*|status\s*:?\s*)?([1-5]\d\d)(?:\s+[a-z ]+)?$")


def read_expectation(line: int, comment: str) -> Expectation | None:
    """The expectation in a comment line (without its `#` or `//`), or None when the
    comment is something else."""
    text = comment.strip()
    status, rest = strip_mark(text)
    suffix = _JA_SUFFIX.search(rest)
    if suffix and suffix.start() > 0:
        rest = rest[: suffix.start()]
        rest = re.sub(r"^count\s*[:：]\s*", "", rest, flags=re.IGNORECASE)
        rest = f"expected: {rest}"
    found = _EXPECT_KEYWORDS.match(fold(rest))
    if not found:
        return None
    if found.group("separator"):
        separator = found.group("separator")
        expected = rest[rest.find(separator) + len(separator) :].strip()
    elif not re.search(r"[a-z]", found.group(0)):
        expected = rest.strip()[len(found.group(0).strip()) :].strip()
    else:
        keyword_words = len(found.group(0).split())
        expected = " ".join(rest.split()[keyword_words:])
    inner_status, expected = strip_mark(expected)
    status = status or inner_status
    folded = fold(expected).strip(" .。")
    absent = bool(_ABSENT.search(folded) or _ABSENT.search(expected.strip(" .。")))
    count_match = _COUNT.match(folded)
    status_code = _STATUS_CODE.match(folded)
    count = None
    if count_match and not absent:
        count = int(count_match.group(1) or count_match.group(2))
        absent = count == 0
    return Expectation(
        line=line,
        raw=text,
        text=expected,
        status=status_of_mark(status) if status else None,
        absent=absent,
        count=count if not absent else None,
        status_code=int(status_code.group(1)) if status_code else None,
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
