"""`manage.py notify`: add (webhook or Apprise) prints the id last; list (text and JSON,
secrets never shown whole); remove; test; bad flags exit 2 naming the flag, nothing saved."""

import json

import pytest

from readiness.models import AuditEntry, NotificationChannel, NotificationDelivery
from tests import factories
from tests.readiness.notify.receiver import Receiver
from tests.readiness.repo_builders import run_command

pytestmark = pytest.mark.django_db

SECRET = "whsec-cli-0123456789abcdef"


@pytest.fixture
def shop():
    return factories.ProjectFactory(slug="shop", name="Shop")


def add(*flags):
    return run_command("notify", "add", "--project", "shop", *flags)


def test_add_a_webhook_prints_the_id_alone_on_its_last_line(shop):
    code, out, err = add(
        "--on", "regression,verdict", "--webhook", "https://hooks.example.com/x", "--secret", SECRET
    )

    assert code == 0, err
    channel = NotificationChannel.objects.get()
    assert out.strip().splitlines()[-1] == str(channel.pk)
    assert (channel.kind, channel.rules, channel.secret) == (
        "webhook",
        ["regression", "verdict"],
        SECRET,
    )
    assert SECRET not in out
    entry = AuditEntry.objects.get()
    assert entry.action == "notification.add"
    assert SECRET not in json.dumps(entry.after)
    assert entry.after["secret"] == "…cdef"


def test_add_every_rule_with_an_apprise_url_and_thresholds(shop):
    code, _out, err = add(
        "--on",
        "missed,expiring,critical,verdict,regression",
        "--apprise",
        "json://127.0.0.1:9/hook",
        "--min-drop",
        "1.5",
        "--days",
        "7",
    )

    assert code == 0, err
    channel = NotificationChannel.objects.get()
    assert channel.rules == ["regression", "verdict", "critical", "expiring", "missed"]
    assert (channel.kind, channel.min_drop, channel.expiring_days) == ("apprise", 1.5, 7)


def test_add_a_channel_whose_messages_are_in_french(shop):
    code, out, err = add(
        "--on", "verdict", "--apprise", "json://127.0.0.1:9/hook", "--language", "fr"
    )

    assert code == 0, err
    channel = NotificationChannel.objects.get()
    assert channel.language == "fr"
    assert AuditEntry.objects.get().after["language"] == "fr"
    code, out, _err = run_command("notify", "list", "--project", "shop", "--json")
    assert json.loads(out)[0]["language"] == "fr"


def test_a_channel_added_without_a_language_speaks_the_server_s(shop):
    code, _out, err = add("--on", "verdict", "--apprise", "json://127.0.0.1:9/hook")

    assert code == 0, err
    assert NotificationChannel.objects.get().language == "en"


def test_the_secret_may_come_from_the_environment(shop, monkeypatch):
    monkeypatch.setenv("HOOK_SECRET", SECRET)

    code, _out, err = add(
        "--on", "verdict", "--webhook", "https://h.example.com/", "--secret-env", "HOOK_SECRET"
    )

    assert code == 0, err
    assert NotificationChannel.objects.get().secret == SECRET


HOOK = ["--webhook", "https://h.example.com/"]
SIGNED = [*HOOK, "--secret", SECRET]
CHAT = ["--apprise", "json://h/x"]


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (
            ["--on", "regression,sometimes", *SIGNED],
            "--on: unknown rule sometimes; choose among "
            "regression, verdict, critical, expiring, missed",
        ),
        (["--on", " , ", *SIGNED], "--on: name at least one rule"),
        (["--on", "verdict", *HOOK], "--secret: a webhook needs a secret"),
        (["--on", "verdict", *HOOK, "--secret", "short"], "--secret: give between 16 and 200"),
        (
            ["--on", "verdict", "--webhook", "ftp://h.example.com/", "--secret", SECRET],
            "--webhook: ftp://h.example.com/: give an http:// or https:// URL",
        ),
        (
            ["--on", "verdict", "--webhook", "https://h.example.com:99999/", "--secret", SECRET],
            "--webhook: https://h.example.com:99999/: not a valid URL",
        ),
        (
            ["--on", "verdict", "--apprise", "nosuchservice://x/y"],
            "--apprise: Apprise does not know nosuchservice://",
        ),
        (["--on", "verdict", "--apprise", "not a url"], "--apprise: not an Apprise URL"),
        (["--on", "verdict", *CHAT, "--secret", SECRET], "--secret: only a webhook takes a secret"),
        (["--on", "regression", *CHAT, "--min-drop", "0"], "--min-drop: give a drop above 0"),
        (["--on", "expiring", *CHAT, "--days", "0"], "--days: give between 1 and 365 days"),
        (
            ["--on", "verdict", *CHAT, "--language", "de"],
            "--language: unknown language de; choose among en, fr",
        ),
        (
            ["--on", "verdict", *HOOK, "--secret-env", "NOT_SET_ANYWHERE"],
            "--secret-env NOT_SET_ANYWHERE: the variable is not set",
        ),
    ],
)
def test_bad_input_exits_2_naming_the_flag_and_saves_nothing(shop, flags, message):
    code, _out, err = add(*flags)

    assert code == 2
    assert err.startswith(message), err
    assert NotificationChannel.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_an_unknown_project_exits_2(db):
    code, _out, err = run_command(
        "notify", "add", "--project", "nope", "--on", "verdict", "--apprise", "json://h/x"
    )

    assert (code, err) == (2, "--project nope: no such project")


def test_list_shows_the_channels_without_their_secrets(shop):
    factories.NotificationChannelFactory(
        project=shop, secret=SECRET, url="https://h.example.com/t0k3n"
    )

    code, out, _err = run_command("notify", "list", "--project", "shop")
    assert code == 0
    assert "https://h.example.com/…0k3n" in out
    assert SECRET not in out and "…cdef" in out

    code, out, _err = run_command("notify", "list", "--project", "shop", "--json")
    rows = json.loads(out)
    assert rows[0]["secret"] == "…cdef"
    assert rows[0]["target"] == "https://h.example.com/…0k3n"
    assert SECRET not in out and "t0k3n" not in out


def test_remove_deletes_the_channel_with_an_audit_entry(shop):
    channel = factories.NotificationChannelFactory(project=shop)

    code, _out, _err = run_command("notify", "remove", str(channel.pk))

    assert code == 0
    assert not NotificationChannel.objects.exists()
    assert AuditEntry.objects.get().action == "notification.remove"
    assert run_command("notify", "remove", str(channel.pk))[0] == 2


def test_test_sends_a_signed_message_now(shop):
    with Receiver() as receiver:
        channel = factories.NotificationChannelFactory(project=shop, url=receiver.url())
        code, out, err = run_command("notify", "test", str(channel.pk))

    assert code == 0, err
    assert "HTTP 200" in out
    assert json.loads(receiver.received[0].body)["event"] == "test"
    delivery = NotificationDelivery.objects.get()
    assert (delivery.rule, delivery.status, delivery.attempts) == ("test", "sent", 1)


def test_test_exits_1_when_the_receiver_fails_and_does_not_retry(shop):
    with Receiver([503, 503]) as receiver:
        channel = factories.NotificationChannelFactory(project=shop, url=receiver.url())
        code, _out, err = run_command("notify", "test", str(channel.pk))

    assert code == 1
    assert "HTTP 503" in err
    assert len(receiver.received) == 1
    assert NotificationDelivery.objects.get().status == "failed"
