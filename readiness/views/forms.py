"""Forms of the dashboard pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from checks.checklist import MAX_CHECKLIST_BYTES
from readiness.models import (
    BASE_URL_HELP,
    SOURCE_HELP,
    SUBFOLDER_MAX,
    AttestationStatus,
    Role,
    TokenScope,
    Trigger,
    Verdict,
)
from readiness.selectors.history import HISTORY_PAGE_SIZE, HISTORY_PAGE_SIZES, HistoryFilters
from readiness.services.projects import DETECT


class AttestationForm(forms.Form):
    check_key = forms.CharField(widget=forms.HiddenInput, max_length=100)
    # No default: an attestation is a choice someone makes, never one click away.
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("— choose —")), *AttestationStatus.choices],
        error_messages={"required": _("Choose a status: pass, warn or fail.")},
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=5000,
        widget=forms.Textarea({"rows": 2}),
        error_messages={"required": _("Write a note: what was checked, and how.")},
    )
    evidence_url = forms.URLField(
        label=_("Evidence link"), required=False, max_length=1000, assume_scheme="https"
    )


class ActionItemForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=500)
    owner = forms.CharField(label=_("Owner"), max_length=200, required=False)
    due_date = forms.DateField(
        label=_("Due date"), required=False, widget=forms.DateInput({"type": "date"})
    )


class ScheduleForm(forms.Form):
    schedule = forms.CharField(
        label=_("Schedule (cron)"),
        max_length=100,
        required=False,
        help_text=_("Five cron fields, e.g. 30 8 * * 1-5 (weekdays at 8:30). Empty: none."),
    )
    timezone = forms.CharField(label=_("Time zone"), max_length=64, initial="UTC")


class BaseUrlForm(forms.Form):
    # Checked by the service (base_url_clean), which names what is wrong.
    base_url = forms.CharField(
        label=_("Base URL"), max_length=500, required=False, help_text=BASE_URL_HELP
    )


class ChecklistUploadForm(forms.Form):
    file = forms.FileField(label=_("Checklist file (YAML)"), required=False)
    text = forms.CharField(
        label=_("…or paste it here"),
        required=False,
        widget=forms.Textarea({"rows": 12, "spellcheck": "false", "class": "code"}),
    )

    def clean(self) -> dict:
        data = super().clean()
        upload = data.get("file")
        if upload:
            if upload.size > MAX_CHECKLIST_BYTES:
                raise forms.ValidationError(
                    _("The file is larger than %(limit)s bytes.") % {"limit": MAX_CHECKLIST_BYTES}
                )
            data["source_name"] = upload.name
            data["source"] = upload.read()
        elif data.get("text", "").strip():
            data["source_name"] = ".readiness.yml"
            data["source"] = data["text"]
        else:
            raise forms.ValidationError(_("Choose a file or paste the checklist."))
        return data


class ProjectAddForm(forms.Form):
    # Name, slug and source are checked by the service, so that every error shows at once.
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    slug = forms.CharField(
        label=_("Slug"),
        max_length=100,
        required=False,
        help_text=_("In the project's address; made from the name, change it if you like."),
    )
    source = forms.CharField(
        label=_("Source"),
        max_length=1000,
        required=False,
        help_text=SOURCE_HELP,
    )
    ref = forms.CharField(
        label=_("Branch or tag"),
        max_length=200,
        required=False,
        help_text=_("Empty: the default branch (a folder is read as it is)."),
    )
    subfolder = forms.CharField(
        label=_("Subfolder"),
        max_length=SUBFOLDER_MAX,
        required=False,
        help_text=_(
            "A folder inside the repository, e.g. services/api, that every check then sees "
            "as the root (its paths, commands and files; no path prefix needed below). "
            "Empty: the repository's root."
        ),
    )
    base_url = forms.CharField(
        label=_("Base URL"),
        max_length=500,
        required=False,
        help_text=BASE_URL_HELP,
    )
    starter = forms.ChoiceField(label=_("Starter checklist"), required=False)
    path_prefix = forms.CharField(
        label=_("Path prefix"),
        max_length=200,
        required=False,
        help_text=_(
            "The folder of the code inside the repository, e.g. services/api: put before "
            "every path the starter's file checks look at."
        ),
    )
    file = forms.FileField(label=_("…or upload a checklist file (YAML)"), required=False)

    def __init__(self, *args: Any, starters: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["starter"].choices = [
            ("", _("None: I upload my own")),
            (DETECT, _("Detected from the source, fitted to its layout")),
            *[(filename, f"{title} ({filename})") for filename, title in starters],
        ]

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if upload and upload.size > MAX_CHECKLIST_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s bytes.") % {"limit": MAX_CHECKLIST_BYTES}
            )
        return upload


class BackfillForm(forms.Form):
    since = forms.DateField(
        label=_("Since"), widget=forms.DateInput({"type": "date"}, format="%Y-%m-%d")
    )
    every = forms.ChoiceField(
        label=_("Points"),
        choices=[("day", _("The last commit of each day")), ("commit", _("Every commit"))],
        initial="day",
    )


class MemberAddForm(forms.Form):
    who = forms.CharField(label=_("Username or email"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.VIEWER)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("Who uses it, e.g. “GitHub Actions deploy”."),
    )
    scope = forms.ChoiceField(label=_("Scope"), choices=TokenScope.choices, initial=TokenScope.READ)


class HistoryFilterForm(forms.Form):
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput({"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput({"type": "date"})
    )
    trigger = forms.ChoiceField(
        label=_("Trigger"), required=False, choices=[("", _("Any")), *Trigger.choices]
    )
    verdict = forms.ChoiceField(
        label=_("Verdict"), required=False, choices=[("", _("Any")), *Verdict.choices]
    )
    size = forms.TypedChoiceField(
        label=_("Rows per page"),
        required=False,
        coerce=int,
        choices=[(n, str(n)) for n in HISTORY_PAGE_SIZES],
        empty_value=HISTORY_PAGE_SIZE,
    )

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        # A page size typed into the address bar that is not offered is the default one:
        # nothing to correct on the form, so no error either.
        if data is not None and data.get("size") not in {str(n) for n in HISTORY_PAGE_SIZES}:
            data = data.copy()
            data["size"] = str(HISTORY_PAGE_SIZE)
        super().__init__(data, **kwargs)

    def filters(self) -> HistoryFilters:
        """The valid filters; an invalid field is ignored (and shown as an error)."""
        data = self.cleaned_data if self.is_valid() else {}
        return HistoryFilters(
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            trigger=data.get("trigger", ""),
            verdict=data.get("verdict", ""),
        )

    def page_size(self) -> int:
        self.is_valid()
        return self.cleaned_data.get("size") or HISTORY_PAGE_SIZE


class StandupForm(forms.Form):
    since = forms.DateTimeField(
        label=_("Since"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        widget=forms.DateTimeInput({"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def since_time(self, now: dt.datetime) -> dt.datetime:
        """The chosen time, or 24 hours before `now`."""
        if self.is_valid() and self.cleaned_data.get("since"):
            return self.cleaned_data["since"]
        return now - dt.timedelta(hours=24)


class DocumentUploadForm(forms.Form):
    file = forms.FileField(label=_("Readiness document (Markdown)"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > settings.READINESS_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                gettext("The file is larger than the %(limit)s MB limit.")
                % {"limit": f"{settings.READINESS_MAX_UPLOAD_BYTES / (1024 * 1024):g}"}
            )
        return upload


def form_add_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its fields when it names them."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class WaiverRequestForm(forms.Form):
    check_key = forms.ChoiceField(
        label=_("Check"), error_messages={"required": _("Choose the check to waive.")}
    )
    until = forms.DateField(
        label=_("Until"),
        widget=forms.DateInput({"type": "date"}),
        error_messages={"required": _("Give the last day the waiver holds.")},
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea({"rows": 2}),
        error_messages={"required": _("Give a reason: why the check does not apply for now.")},
    )

    def __init__(self, *args: Any, checks: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["check_key"].choices = [("", _("— choose —")), *checks]


class WaiverDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "approve"), ("deny", "deny")])
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)


class TargetLevelForm(forms.Form):
    level = forms.CharField(label=_("Target level"), max_length=40, required=False)


class AuditFilterForm(forms.Form):
    action = forms.CharField(label=_("Action"), max_length=60, required=False)
    person = forms.CharField(label=_("Person"), max_length=150, required=False)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput({"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput({"type": "date"})
    )
