"""Importing hand-written readiness documents (Markdown, often French, sometimes mangled
by a wrong encoding): `document.import_document(data, source_name=...)` reads one into an
`ImportResult` (checklist, attestations, claimed history, action items, and a note for
every part it did not translate); `readiness.services.imports.import_document_save`
stores it; `readiness.reports.render_import_report` describes it.

mojibake: exact repair of UTF-8 read as Mac Roman / Windows-1252 / Latin-1.
markdown: the document's blocks with their line numbers.
translate: shell commands → check plans (grep, file, disabled command), or why not.
"""
