import os

import pytest
from django.core.exceptions import ImproperlyConfigured

from readiness.env import envbool, envint, envsecret


def test_it_keeps_a_generated_secret_private_and_stable(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    kept = tmp_path / "secret-key"

    first = envsecret("SECRET_KEY", kept)

    assert len(first) >= 50
    assert envsecret("SECRET_KEY", kept) == first
    assert kept.stat().st_mode & 0o777 == 0o600
    assert os.listdir(tmp_path) == ["secret-key"]


def test_it_prefers_the_secret_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")

    assert envsecret("SECRET_KEY", tmp_path / "secret-key") == "from-the-environment"
    assert not (tmp_path / "secret-key").exists()


@pytest.mark.parametrize(("reader", "raw"), [(envbool, "maybe"), (envint, "ten")])
def test_it_names_the_variable_with_a_bad_value(reader, raw, monkeypatch):
    monkeypatch.setenv("READINESS_SOMETHING", raw)

    with pytest.raises(ImproperlyConfigured, match="READINESS_SOMETHING"):
        reader("READINESS_SOMETHING", 1)
