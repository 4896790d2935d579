"""What the write endpoints share: a service's ValidationError as a 422 problem naming
each field, and the person a write is recorded as."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import ValidationError as InvalidRequest

from readiness.api.auth import caller


def invalid(errors: list[tuple[str, str]]) -> InvalidRequest:
    """A 422 problem listing (where, message) pairs."""
    return InvalidRequest([{"loc": (where,), "msg": message} for where, message in errors])


def invalid_fields(error: ValidationError, *, prefix: str = "body") -> InvalidRequest:
    """A service's ValidationError as a 422 problem: each field as `body.<field>`."""
    if hasattr(error, "error_dict"):
        pairs = [
            (f"{prefix}.{field}" if field != "__all__" else prefix, message)
            for field, messages in error.message_dict.items()
            for message in messages
        ]
    else:
        pairs = [(prefix, message) for message in error.messages]
    return invalid(pairs)


def invalid_form(form: Form) -> InvalidRequest:
    """The page's form errors as a 422 problem: each field as `body.<field>`."""
    return invalid(
        [
            (f"body.{field}" if field != "__all__" else "body", message)
            for field, messages in form.errors.items()
            for message in messages
        ]
    )


def acting_person(request: HttpRequest) -> AbstractBaseUser:
    """The person a write that needs one is recorded as: the session's user, or the
    person who made the token. PermissionDenied for a token made by no one (a script)."""
    actor = caller(request).actor
    if actor is None:
        raise PermissionDenied(
            _(
                "This token was made without a person (api_token create without --by): an "
                "attestation needs one. Make a token from the team page or with --by."
            )
        )
    return actor
