"""Readiness documents in, import plans out: the importer's one entry point.

Documents are hand-written Markdown in any common language (English, French, Spanish,
Portuguese, Chinese, Japanese), sometimes mangled by a wrong encoding.
`import_document(data, source_name=...)` returns an `ImportResult` (checklist,
attestations, claimed history points, action items, and a note for every part it did not
translate) or raises `DocumentError`; nothing here touches the database.
`readiness.services.imports.import_document_save` stores a plan and
`readiness.reports.render_import_report` describes it.

The private modules, in the order a document goes through them: _decode (bytes → text,
mojibake repaired by _mojibake), _markdown (blocks with their line numbers), _walk (the
reader of each block: _metadata, _scores, _code, _lists, _actions, _tables and
_check_tables; shared state in _state), _leftovers (a note for every unused line). Shell
commands become check plans in _commands (with _shell, _grep, _expectations, _http and
_needs) and check options in _check_options; SQL blocks become checks in _sql.
Shared: _plan (the plan's types), notes, _headings, _text, _marks, _language, _keys.
"""

from readiness.importer._decode import ENCODING_NAMES, max_document_bytes
from readiness.importer._plan import (
    ActionDraft,
    ClaimedCategory,
    ClaimedImprovement,
    ClaimedPoint,
    DocumentError,
    ImportResult,
    ManualItem,
    OtherScore,
)
from readiness.importer.document import import_document, yaml_name
from readiness.importer.notes import APPROXIMATE, UNTRANSLATED, WARNING, Note, NoteMessage

__all__ = [
    "APPROXIMATE",
    "ENCODING_NAMES",
    "UNTRANSLATED",
    "WARNING",
    "ActionDraft",
    "ClaimedCategory",
    "ClaimedImprovement",
    "ClaimedPoint",
    "DocumentError",
    "ImportResult",
    "ManualItem",
    "Note",
    "NoteMessage",
    "OtherScore",
    "import_document",
    "max_document_bytes",
    "yaml_name",
]
