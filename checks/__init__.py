"""The check engine: checklist files, check types and their outcomes.

Plain Python: nothing here imports Django, so the engine can be used and tested alone.
The flow is checklist file (checklist.py) -> specs (spec.py) -> one runner per check type
-> Outcome. The Django side (readiness/) stores specs and outcomes and computes scores.
"""
