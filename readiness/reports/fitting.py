"""What `init_checklist` detected and measured, as terminal text: the starter and where
its stack lives, the infrastructure starters added, the checks it could not place, and
the dry run's score, coverage and verdict."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from checks.starters import MAX_MARKER_READS
from readiness.formatting import score_line
from readiness.verdicts import verdict_label


def folder_text(root: str) -> str:
    """`sos/`, or "the repository's root"."""
    return f"{root}/" if root else _("the repository's root")


def not_placed_text(item: Mapping[str, Any]) -> str:
    """Why a check stays as its starter has it."""
    if item["missing"]:
        return _("%(check)s: its command's %(paths)s found nowhere") % {
            "check": item["check"],
            "paths": ", ".join(item["missing"]),
        }
    return _("%(check)s: no file matches its paths") % {"check": item["check"]}


def unread_texts(summary: Mapping[str, Any]) -> list[str]:
    """A sentence per detected stack whose candidate files were not all read (at most
    MAX_MARKER_READS per starter): its folders may be incomplete."""
    return [
        _(
            "%(title)s: %(count)s candidate files not read (detection reads at most "
            "%(limit)s per starter), so its folders may be incomplete."
        )
        % {
            "title": _(detection["title"]),
            "count": number_format(detection["unread"], force_grouping=True),
            "limit": number_format(MAX_MARKER_READS, force_grouping=True),
        }
        for detection in (summary["starter"], *summary["extras"])
        if detection.get("unread")
    ]


def fit_text(summary: Mapping[str, Any]) -> str:
    """The lines `init_checklist` prints about a fit (see services.starters.fit_summary)."""
    main = summary["starter"]
    lines = [
        _("Detected: %(title)s in %(folder)s (%(starter)s.yml)")
        % {
            "title": _(main["title"]),
            "folder": folder_text(main["root"]),
            "starter": main["starter"],
        }
    ]
    if main["files"]:
        lines.append("  " + ", ".join(main["files"]))
    for extra in summary["extras"]:
        lines.append(
            _("Added as a category: %(title)s in %(folder)s (%(starter)s.yml)")
            % {
                "title": _(extra["title"]),
                "folder": folder_text(extra["root"]),
                "starter": extra["starter"],
            }
        )
    for other in summary["others"]:
        lines.append(
            _("Also fits, not included: %(title)s in %(folders)s (--starter %(starter)s)")
            % {
                "title": _(other["title"]),
                "folders": ", ".join(folder_text(r) for r in other["roots"]),
                "starter": other["starter"],
            }
        )
    lines += unread_texts(summary)
    lines.append(
        _(
            "Placed in this layout: %(placed)s checks; not placed: %(missing)s; "
            "%(others)s others read no file (runtime, manual and command checks)."
        )
        % {
            "placed": summary["placed"],
            "missing": len(summary["not_placed"]),
            "others": summary["checks"] - summary["placed"] - len(summary["not_placed"]),
        }
    )
    if summary["not_placed"]:
        lines.append(_("Not placed, left as the starter has them:"))
        lines += [f"  - {not_placed_text(item)}" for item in summary["not_placed"]]
    for renamed in summary["renamed"]:
        lines.append(
            _("%(starter)s: check %(old)s renamed %(new)s (the key was taken)")
            % {"starter": renamed["starter"], "old": renamed["from"], "new": renamed["to"]}
        )
    for starter in summary["levels_dropped"]:
        lines.append(
            _(
                "%(starter)s: its levels differ from the checklist's; its checks belong to "
                "the lowest"
            )
            % {"starter": starter}
        )
    lines.append(
        _("Dry run (nothing saved): %(score)s, %(verdict)s")
        % {
            "score": score_line(summary["score"], summary["coverage"]),
            "verdict": verdict_label(summary["verdict"] or ""),
        }
    )
    return "\n".join(lines)
