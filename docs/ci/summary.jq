# The Markdown summary of a POST /api/v1/assess answer (the report and its gate), or of
# the problem that refused the request.
if has("gate") then
  "## Readiness: \(if .score == null then "no score" else "\(.score * 100 | round / 100)/10" end) (\(.verdict // "no verdict"))",
  "",
  "**Gate \(if .gate.passed then "passed" else "failed" end)**: \(.gate.reason)",
  "",
  (if .baseline and .baseline.assessment then
     "Baseline: \(.baseline.branch), assessment #\(.baseline.assessment.id) at \(.baseline.assessment.score)/10",
     ""
   else empty end),
  "| Category | Score | Coverage |",
  "|---|---|---|",
  (.categories[] | "| \(.name) | \(.score // "—") | \(if .coverage == null then "—" else "\(.coverage * 100 | round)%" end) |"),
  "",
  "| Check | Status | Summary |",
  "|---|---|---|",
  (.checks[] | select(.status != "pass") | "| \(.name) | \(.status) | \(.summary | gsub("\\|"; "\\|")) |")
else
  "## Readiness: the request was refused (\(.status // "?"))",
  "",
  (.detail // "no answer"),
  (.errors // [] | .[] | "- `\(.where)`: \(.message)")
end
