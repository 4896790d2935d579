"""Scores a document claims, by date and category, and the history points made of them.

Overall and per-category scores out of 10 or 100, with the earlier scores and the
improvements the document mentions."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

from django.utils.translation import gettext_lazy as _

from checks.spec import Checklist
from readiness.importer._markdown import ListBlock, Table, fold, plain, slugify_key, strip_symbols
from readiness.importer._plan import (
    MAX_CATEGORY_NAME,
    ClaimedCategory,
    ClaimedImprovement,
    ClaimedPoint,
    OtherScore,
)
from readiness.importer._state import DocumentWalk, PointDraft
from readiness.importer._text import ISO_DATE, find_date
from readiness.importer.notes import UNTRANSLATED, WARNING

# Category names that mean the same in French and English, so that "Sécurité : 10/10"
# lands on the "Security Checklist" category.
CATEGORY_ALIASES = {
    "securite": "security",
    "gestion-des-erreurs": "error-handling",
    "gestion-d-erreurs": "error-handling",
    "gestion-erreurs": "error-handling",
    "erreurs": "error-handling",
    "surveillance": "monitoring",
    "supervision": "monitoring",
    "observabilite": "observability",
    "scalabilite": "scalability",
    "evolutivite": "scalability",
    "fiabilite": "reliability",
    "disponibilite": "availability",
    "performances": "performance",
    "deploiement": "deployment",
    "tests": "testing",
}


SCORE = re.compile(r"(?<![\d.,/])(\d{1,3}(?:[.,]\d{1,2})?)\s*/\s*(10|100)(?![\d/])")
# "79 %" is a score only where a label or a column says it is one.
PERCENT = re.compile(r"(?<![\d.,/])(\d{1,3}(?:[.,]\d{1,2})?)\s*(%|％)(?![\d])")
DELTA = re.compile(r"\(\s*([+-−]\s*\d+(?:[.,]\d+)?)\s*\)")
_EARLIER_SUFFIX = re.compile(
    r"^\s*\(\s*(?:etait|was|avant|before|previously|precedemment|prev\.?|vs\.?|contre)\s*:?\s*"
    r"(\d{1,3}(?:[.,]\d{1,2})?)\s*(?:/\s*(10|100))?\s*\)"
)
_EARLIER_PREFIX = re.compile(r"(\d{1,3}(?:[.,]\d{1,2})?)\s*(?:/\s*(10|100))?\s*(?:→|->|=>|⇒)\s*$")
_NOT_SCORE_SUFFIX = re.compile(
    r"^\s*(?:checks?|tests?|items?|criteres?|points?|fichiers?|files?)\b"
)
_OVERALL_WORDS = re.compile(
    r"^(?:score|note|total|global|overall|final|readiness|production readiness|moyenne|average|"
    r"avant|apres|before|after|maintenant|now|actuel|current|resultat|pontuacao|puntuacion|"
    r"nota|calificacion|avaliacao|rating)\b|"
    r"^(?:总体|总分|综合|整体|总评|得分|评分|分数|総合|スコア|点数|评估)|"
    r"\b(?:overall|global|total|final|geral|general|verified|self-assessed|claimed|actual)\s+"
    r"(?:score|rating|note|nota|pontuacao|puntuacion)\b|(?:得分|评分|分数|スコア)$"
)
# How much a label presents its score as the document's result: verified, actual or final
# figures first, then headlines, then plain overall lines; self-assessed or claimed last.
_RESULT_RANK = re.compile(
    r"\b(?:verified|verifie|verificad[oa]|actual|actually|real|reel|reelle|final|finale|"
    r"after|apres|depois|despues|now|current|actuel|measured|mesure)\b|核查|实际|実際|最终|確定"
)
_CLAIM_RANK = re.compile(
    r"\b(?:self[- ]assessed|claimed|declared|declare|announced|annonce|estimated|estime|"
    r"initial|target|objectif|meta|goal|auto[- ]?avaliacao|autoevaluacion)\b|"
    r"自评|自己評価|目标|目標"
)
_EARLIER_WORDS = re.compile(r"^(?:avant|before|previous|precedent|initial|etait|ancien|old)\b")
_TOTAL_ROW = re.compile(
    r"^(?:total|global|overall|moyenne|average|score global|score final|score|geral|media|"
    r"promedio|总计|合计|总分|总体|合計|総合)$"
)
_SCORE_HEADER = re.compile(
    r"score|note|nota|pontuacao|puntuacion|rating|%|得分|评分|分数|スコア|点数"
)


def _number(text: str) -> float:
    return float(text.replace(",", ".").replace("−", "-").replace(" ", ""))


def _score_value(value: str, scale: str | None) -> float | None:
    number = _number(value)
    if scale == "100":
        number /= 10
    return number if 0 <= number <= 10 else None


def _shown_score(value: float) -> str:
    return f"{value:g}"


def score_text(walk: DocumentWalk, text: str, line: int, *, in_heading: bool = False) -> bool:
    """Record the score `text` claims (overall or per category); False when it holds
    none."""
    found = SCORE.search(text)
    if not found:
        found = PERCENT.search(text)
        if not found or not _OVERALL_WORDS.search(fold(text[: found.start()]).strip(" *:：")):
            return False
    suffix = text[found.end() :]
    if _NOT_SCORE_SUFFIX.match(fold(suffix)):
        return False
    score = _score_value(found.group(1), "100" if found.group(2) in "%％" else found.group(2))
    if score is None:
        return False
    prefix = text[: found.start()]
    earlier: float | None = None
    before = _EARLIER_PREFIX.search(prefix)
    if before:
        earlier = _score_value(before.group(1), before.group(2))
        prefix = prefix[: before.start()]
    after = _EARLIER_SUFFIX.match(fold(suffix))
    if after:
        earlier = _score_value(after.group(1), after.group(2))
    date = find_date(prefix) or find_date(suffix)
    label = strip_symbols(re.sub(r"\(.*?\)", "", prefix)).strip(" :：-–—*")
    label = strip_symbols(ISO_DATE.sub("", label)).strip(" :：-–—*")
    folded = fold(label)
    if not label or _OVERALL_WORDS.search(folded) or (date and in_heading):
        if _EARLIER_WORDS.match(folded) and date is None:
            walk.note(UNTRANSLATED, line, line, _("an earlier score without a date"))
            walk.consume(line)
            return True
        point = _point_on(walk, date or walk.heading_date(), line)
        rank = _rank(folded, in_heading=in_heading)
        _claim_score(walk, point, "", "", score, line, rank=rank, label=label)
        if earlier is not None:
            walk.earlier.append((point, "", "", earlier, line))
        return True
    if in_heading:
        return False
    point = _current_point(walk, line)
    name = label[:MAX_CATEGORY_NAME]
    key = slugify_key(name)
    if not key:
        return False
    _claim_score(walk, point, key, name, score, line)
    if earlier is not None:
        walk.earlier.append((point, key, name, earlier, line))
    return True


def _rank(label: str, *, in_heading: bool = False) -> int:
    if _CLAIM_RANK.search(label):
        return 0
    if _RESULT_RANK.search(label):
        return 3
    return 2 if in_heading else 1


def _claim_score(
    walk: DocumentWalk,
    point: PointDraft,
    key: str,
    name: str,
    score: float,
    line: int,
    *,
    rank: int = 1,
    label: str = "",
) -> None:
    """Record a claimed score: a category's when `key` is given, else the overall one.
    For a date, the score the document presents as its result stands (a verified or final
    figure over a headline over a plain line over a self-assessed one; the first among
    equals); the others are listed, and a different overall one is reported."""
    if key:
        kept = point.categories.get(key)
        if kept is None:
            point.categories[key] = ClaimedCategory(key, name, score, line)
        elif kept.score != score or kept.line != line:
            walk.other_scores.append(
                OtherScore(point.date, score, line, name, label or name, kept.score)
            )
        return
    if point.score is None:
        point.score, point.line, point.rank, point.label = score, line, rank, label
        return
    if point.score == score:
        return
    if rank > point.rank:
        walk.other_scores.append(
            OtherScore(point.date, point.score, point.line, "", point.label, score)
        )
        replaced, replaced_line = point.score, point.line
        point.score, point.line, point.rank, point.label = score, line, rank, label
        walk.note(
            WARNING,
            replaced_line,
            replaced_line,
            _("a second overall score (%(score)s) for the same date; %(kept)s is kept"),
            score=_shown_score(replaced),
            kept=_shown_score(score),
        )
        return
    walk.other_scores.append(OtherScore(point.date, score, line, "", label, point.score))
    walk.note(
        WARNING,
        line,
        line,
        _("a second overall score (%(score)s) for the same date; %(kept)s is kept"),
        score=_shown_score(score),
        kept=_shown_score(point.score),
    )


def _point_on(walk: DocumentWalk, date: dt.date | None, line: int) -> PointDraft:
    """The point of `date`, made when the document has none yet."""
    for point in walk.points:
        if point.date == date:
            return point
    point = PointDraft(date, line)
    walk.points.append(point)
    return point


def _current_point(walk: DocumentWalk, line: int) -> PointDraft:
    """The point a per-category score belongs to: the latest overall score above it
    in the same top-level section, else the document's date."""
    top = next((h for h in walk.headings if h.level == walk.category_level), None)
    start = top.line if top else 0
    candidates = [p for p in walk.points if start <= p.line < line]
    if candidates:
        return max(candidates, key=lambda p: p.line)
    return _point_on(walk, walk.heading_date(), line)


def read_improvements(walk: DocumentWalk, block: ListBlock) -> None:
    """Claimed improvements ("… (+0.3)") of the current history point."""
    point = _current_point(walk, block.line)
    for item in block.walk():
        text = plain(item.text)
        found = DELTA.search(text)
        delta = _number(found.group(1)) if found else None
        point.improvements.append(ClaimedImprovement(text, delta, item.line))
        walk.consume(item.line, item.end_line)


def cell_score(cell: str, header: str) -> float | None:
    """The score in a table cell: "8,5/10", "91/100", or "79 %" under a score header."""
    text = strip_symbols(plain(cell))
    found = SCORE.fullmatch(text)
    if found:
        return _score_value(found.group(1), found.group(2))
    found = PERCENT.fullmatch(text)
    if found and _SCORE_HEADER.search(header):
        return _score_value(found.group(1), "100")
    return None


def read_score_table(
    walk: DocumentWalk, table: Table, headers: list[str], score_columns: list[int]
) -> None:
    """ "| Domaine | Score |" rows are category scores ("Total" is the overall one) of
    the point the column's header dates, or of the section's point. Of undated columns
    ("Before | Claimed | Actual"), the one the document presents as its result is the
    claim; earlier columns go to the point before, the others are listed."""
    name_column = next((i for i in range(len(headers)) if i not in score_columns), None)
    if name_column is None:
        return
    walk.consume(table.line, table.line + 1)
    undated = [i for i in score_columns if find_date(table.header[i]) is None]
    main = _main_column(headers, undated)
    for index in score_columns:
        date = find_date(table.header[index])
        earlier = date is None and index != main and bool(_EARLIER_WORDS.match(headers[index]))
        other = date is None and index != main and not earlier
        for number, cells in table.rows:
            if max(index, name_column) >= len(cells):
                continue
            name = strip_symbols(plain(cells[name_column]))
            score = cell_score(cells[index], headers[index])
            total = bool(_TOTAL_ROW.match(fold(name)))
            key = "" if total else walk.key_of(name)
            if score is None or not name:
                continue
            point = _point_on(walk, date, number) if date else _current_point(walk, number)
            label = plain(table.header[index])
            if earlier:
                walk.earlier.append((point, key, name[:MAX_CATEGORY_NAME], score, number))
            elif other:
                walk.other_scores.append(
                    OtherScore(point.date, score, number, name[:MAX_CATEGORY_NAME], label)
                )
            else:
                _claim_score(walk, point, key, name[:MAX_CATEGORY_NAME], score, number, label=label)
            walk.consume(number)


def _main_column(headers: list[str], columns: list[int]) -> int | None:
    """The undated score column the document presents as its result: an actual or
    verified one, else the last that is neither earlier nor self-assessed."""
    if not columns:
        return None
    results = [i for i in columns if _RESULT_RANK.search(headers[i])]
    if results:
        return results[-1]
    plain_columns = [
        i
        for i in columns
        if not _EARLIER_WORDS.match(headers[i]) and not _CLAIM_RANK.search(headers[i])
    ]
    if plain_columns:
        return plain_columns[-1]
    claimed = [i for i in columns if not _EARLIER_WORDS.match(headers[i])]
    return claimed[-1] if claimed else None


def resolve_points(walk: DocumentWalk) -> None:
    """Date the undated points with the document's date, attach earlier scores to the
    point before theirs, and drop points without any score."""
    undated = [p for p in walk.points if p.date is None]
    for point in undated:
        if walk.date is None:
            lines = {point.line, *(claim.line for claim in point.categories.values())}
            for line in sorted(lines):
                walk.note(UNTRANSLATED, line, line, _("a score without a date"))
            walk.points.remove(point)
            continue
        same = next((p for p in walk.points if p.date == walk.date and p is not point), None)
        if same is None:
            point.date = walk.date
            continue
        # The document's date already has a point: fold this one into it.
        if point.score is not None:
            _claim_score(walk, same, "", "", point.score, point.line, rank=point.rank)
        for key, claim in point.categories.items():
            _claim_score(walk, same, key, claim.name, claim.score, claim.line)
        same.improvements.extend(point.improvements)
        walk.earlier = [
            (same if p is point else p, k, n, s, line) for p, k, n, s, line in walk.earlier
        ]
        walk.points.remove(point)
    for point, key, name, score, line in walk.earlier:
        previous = [p for p in walk.points if p.date and point.date and p.date < point.date]
        if not previous:
            walk.note(
                UNTRANSLATED,
                line,
                line,
                _("an earlier score (%(score)s) without a date"),
                score=_shown_score(score),
            )
            continue
        target = max(previous, key=lambda p: p.date)
        if key:
            target.categories.setdefault(key, ClaimedCategory(key, name, score, line))
        elif target.score is None:
            target.score = score
    for point in [p for p in walk.points if p.score is None and not p.categories]:
        for improvement in point.improvements:
            walk.note(
                UNTRANSLATED,
                improvement.line,
                improvement.line,
                _("a claimed improvement without a score to attach it to"),
            )
        walk.points.remove(point)
    walk.other_scores = [
        other if other.date else replace(other, date=walk.date) for other in walk.other_scores
    ]
    if walk.status_claim and walk.date:
        for point in walk.points:
            if point.date == walk.date:
                point.verdict = walk.status_claim


def claimed_points(walk: DocumentWalk, checklist: Checklist | None) -> tuple[ClaimedPoint, ...]:
    """The dated points, oldest first, their categories matched to the checklist's."""
    keys = {c.key for c in checklist.categories} if checklist else set()
    names = {slugify_key(c.name): c.key for c in checklist.categories} if checklist else {}
    points = []
    for point in sorted(walk.points, key=lambda p: p.date or dt.date.min):
        if point.date is None:
            continue
        categories = []
        seen = set()
        for claim in point.categories.values():
            key = _resolve_category(claim.key, keys, names)
            if key in seen:
                continue
            seen.add(key)
            categories.append(ClaimedCategory(key, claim.name, claim.score, claim.line))
        points.append(
            ClaimedPoint(
                date=point.date,
                score=point.score,
                line=point.line,
                categories=tuple(categories),
                improvements=tuple(point.improvements),
                verdict=point.verdict,
            )
        )
    return tuple(points)


def _resolve_category(key: str, keys: set[str], names: dict[str, str]) -> str:
    if key in keys:
        return key
    if key in names:
        return names[key]
    alias = CATEGORY_ALIASES.get(key)
    if alias and alias in keys:
        return alias
    return key
