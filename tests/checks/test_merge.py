from checks.merge import checklist_diff, checklist_merge
from checks.spec import CategorySpec, Checklist, CheckSpec, Severity


def checklist(*checks: CheckSpec, name: str = "Current") -> Checklist:
    keys = dict.fromkeys(check.category for check in checks)
    return Checklist(
        name=name,
        categories=tuple(
            CategorySpec(
                key=key, name=key.title(), checks=tuple(c for c in checks if c.category == key)
            )
            for key in keys
        ),
    )


def manual(key: str, category: str = "ops", **fields) -> CheckSpec:
    return CheckSpec(**{"key": key, "name": key, "type": "manual", "category": category, **fields})


def test_it_names_added_removed_and_changed_checks_with_their_fields():
    current = checklist(manual("a"), manual("b"), manual("c", options={"valid_days": 30}))
    new = checklist(
        manual("a"),
        manual("c", name="C, renamed", severity=Severity.HIGH, options={"valid_days": 90}),
        manual("d", category="security"),
    )
    diff = checklist_diff(current, new)
    assert [spec.key for spec in diff.added] == ["d"]
    assert [spec.key for spec in diff.removed] == ["b"]
    assert [(c.current.key, c.fields) for c in diff.changed] == [
        ("c", ("name", "severity", "options"))
    ]
    assert diff.same == 1 and not diff.empty
    assert checklist_diff(current, current).empty


def test_a_merge_keeps_every_current_check_and_adds_only_new_keys():
    current = checklist(manual("a"), manual("b", name="B as we wrote it"))
    new = checklist(
        manual("b", name="B from the document"),
        manual("c"),
        manual("d", category="security"),
        name="Document",
    )
    merged = checklist_merge(current, new)
    assert merged.name == "Current"
    assert [c.key for c in merged.categories] == ["ops", "security"]
    assert [s.key for s in merged.all_checks()] == ["a", "b", "c", "d"]
    assert merged.check("b").name == "B as we wrote it"
