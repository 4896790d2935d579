"""The check engine: checklist files, check types and their outcomes.

Plain Python: nothing here imports Django, so the engine can be used and tested alone.
The flow is checklist file (checklist.py) -> specs (spec.py), each check's options read
and validated by its type (registry.py lists one module per type, built on checktype.py)
-> runner.py runs each type's runner, file checks together in one scan (scan.py) ->
Outcome. The Django side (readiness/) stores specs and outcomes and computes scores.
"""
