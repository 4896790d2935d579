"""Forms of the shared standards pages: a team's base checklists and its campaigns."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from checks.checklist import MAX_CHECKLIST_BYTES
from readiness.models import BaseChecklist, Team

CAMPAIGN_EXAMPLE = """version: 1
overrides:
  runbook: {severity: critical}
categories:
  - key: operations
    checks:
      - key: slo-defined
        type: file
        paths: [slo.yml]
"""


class BaseChecklistForm(forms.Form):
    """A base checklist's file, pasted; `action` is "preview" (nothing saved) or "save"."""

    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    slug = forms.SlugField(label=_("Slug"), max_length=100, required=False)
    text = forms.CharField(
        label=_("Checklist file"),
        max_length=MAX_CHECKLIST_BYTES,
        strip=False,
        widget=forms.Textarea({"rows": 18, "spellcheck": "false", "class": "code"}),
    )
    action = forms.ChoiceField(
        choices=[("preview", "preview"), ("save", "save")], required=False, initial="preview"
    )


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=5000, widget=forms.Textarea({"rows": 2})
    )
    start = forms.DateField(
        label=_("Start"), widget=forms.DateInput({"type": "date"}, format="%Y-%m-%d")
    )
    target = forms.DateField(
        label=_("Target date"), widget=forms.DateInput({"type": "date"}, format="%Y-%m-%d")
    )
    teams = forms.ModelMultipleChoiceField(
        label=_("Teams whose projects it covers"),
        queryset=Team.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    base = forms.ModelChoiceField(
        label=_("and every project extending the base checklist"),
        queryset=BaseChecklist.objects.none(),
        required=False,
    )
    checks_text = forms.CharField(
        label=_("Checks to add or tighten"),
        max_length=MAX_CHECKLIST_BYTES,
        strip=False,
        initial=CAMPAIGN_EXAMPLE,
        widget=forms.Textarea({"rows": 12, "spellcheck": "false", "class": "code"}),
        help_text=_(
            "Written like a checklist that extends each project's own: categories with the "
            "checks to add, overrides to raise the weight, severity or level of existing ones."
        ),
    )

    def __init__(self, *args: object, teams: object, bases: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["teams"].queryset = teams
        self.fields["base"].queryset = bases

    def clean(self) -> dict:
        """The errors that involve two fields, shown at the field to change (the service
        checks them again)."""
        data = super().clean()
        start, target = data.get("start"), data.get("target")
        if start and target and target < start:
            self.add_error("target", _("The target date comes before the start."))
        if "teams" in data and "base" in data and not data["teams"] and data["base"] is None:
            self.add_error(
                "teams", _("Pick the teams or the base checklist whose projects it covers.")
            )
        return data
