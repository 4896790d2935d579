"""Dashboard reads, one module per page (and `common` for what pages share).

Every function here runs a fixed number of queries that does not grow with a project's
history: charts, sparklines and history read the per-category score rows and the
assessment rows, never the per-check results, and "the last N of each project" is one
statement of per-project LIMIT subqueries."""
