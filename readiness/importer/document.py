"""A readiness document → an import plan: the one entry point, `import_document`.

Pure: text in, an `ImportResult` out (checklist, attestations, claimed history, action
items, and a note for every part not translated); nothing here touches the database. The
service `readiness.services.imports.import_document_save` stores a plan.
"""

from __future__ import annotations

from pathlib import PurePath

from django.utils.translation import gettext_lazy as _

from checks.checklist import ChecklistError, dump_checklist, load_checklist
from checks.spec import CategorySpec, Checklist
from readiness.importer._decode import ENCODING_NAMES, decode_document
from readiness.importer._plan import MAX_CATEGORY_NAME, DocumentError, ImportResult
from readiness.importer._scores import claimed_points
from readiness.importer._state import DocumentWalk
from readiness.importer._text import one_line
from readiness.importer._walk import finish_walk, walk_blocks
from readiness.importer.notes import WARNING, Note, NoteMessage


def import_document(data: bytes | str, *, source_name: str = "document.md") -> ImportResult:
    """Read a readiness document. Raises DocumentError for input that is not one (empty,
    binary, too large, or holding no check, checklist, score or action item)."""
    source = decode_document(data)
    walk = DocumentWalk(source.text, source_name)
    walk_blocks(walk)
    finish_walk(walk)
    checklist = _checklist_of(walk)
    checklist_yaml = ""
    if checklist is not None:
        checklist_yaml = dump_checklist(checklist)
        try:
            checklist = load_checklist(checklist_yaml, filename=yaml_name(source_name))
        except ChecklistError as exc:
            raise DocumentError(
                str(_("The checklist made from the document is invalid: %(problems)s"))
                % {"problems": exc}
            ) from None
    points = claimed_points(walk, checklist)
    if checklist is None and not points and not walk.actions:
        raise DocumentError(
            str(
                _(
                    "This is not a readiness document: it holds no command, checklist, score "
                    "or action item."
                )
            )
        )
    notes = list(walk.notes)
    if source.repair.repaired:
        notes.insert(
            0,
            Note(
                1,
                1,
                WARNING,
                NoteMessage(
                    _("the text was UTF-8 read as %(encoding)s; it was repaired exactly"),
                    {"encoding": ENCODING_NAMES.get(source.repair.encoding or "", "")},
                ),
            ),
        )
    elif source.repair.suspicious:
        notes.insert(
            0,
            Note(
                1,
                1,
                WARNING,
                NoteMessage(
                    _(
                        "the text looks mis-decoded (mojibake) but cannot be repaired exactly; "
                        "it was imported as it is"
                    )
                ),
            ),
        )
    if source.legacy_encoding:
        notes.insert(
            0,
            Note(
                1, 1, WARNING, NoteMessage(_("the file is not UTF-8; it was read as Windows-1252"))
            ),
        )
    notes.sort(key=lambda note: (note.line, note.end_line))
    return ImportResult(
        source_name=source_name,
        title=walk.title,
        date=walk.date,
        author=walk.author,
        repair=source.repair,
        crlf=source.crlf,
        legacy_encoding=source.legacy_encoding,
        checklist=checklist,
        checklist_yaml=checklist_yaml,
        manual_items=tuple(walk.manual),
        claims=dict(walk.claims),
        points=points,
        action_items=tuple(walk.actions),
        notes=tuple(notes),
        other_scores=tuple(walk.other_scores),
        levels=tuple(walk.levels),
        date_source=walk.date_source,
        template=walk.template,
        used_lines=frozenset(walk.consumed),
    )


def yaml_name(source_name: str) -> str:
    """The file name of the checklist made from `source_name`."""
    return f"{PurePath(source_name).stem or 'document'}.readiness.yml"


def _checklist_of(walk: DocumentWalk) -> Checklist | None:
    """The categories that hold a check, named after the document; None when none does."""
    categories = [
        CategorySpec(key=c.key, name=c.name or c.key, checks=tuple(c.checks))
        for c in walk.categories.values()
        if c.checks
    ]
    if not categories:
        return None
    name = one_line(walk.title or PurePath(walk.source_name).stem or "Readiness", MAX_CATEGORY_NAME)
    return Checklist(name=name, categories=tuple(categories), levels=tuple(walk.levels))
