import os

import pytest
from django.core.exceptions import ImproperlyConfigured

from readiness.env import envaddress, envbool, envint, envsecret, local_url


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


@pytest.mark.parametrize(
    ("raw", "address", "url"),
    [
        (None, ("127.0.0.1", 8000), "http://127.0.0.1:8000/"),
        ("", ("127.0.0.1", 8000), "http://127.0.0.1:8000/"),
        ("127.0.0.1:8001", ("127.0.0.1", 8001), "http://127.0.0.1:8001/"),
        ("0.0.0.0:8080", ("0.0.0.0", 8080), "http://127.0.0.1:8080/"),
        ("[::]:8080", ("[::]", 8080), "http://[::1]:8080/"),
        ("[::1]:8000", ("[::1]", 8000), "http://[::1]:8000/"),
        ("localhost:9000", ("localhost", 9000), "http://localhost:9000/"),
    ],
)
def test_it_reads_the_bind_address_and_where_this_machine_reaches_it(
    raw, address, url, monkeypatch
):
    if raw is None:
        monkeypatch.delenv("READINESS_BIND", raising=False)
    else:
        monkeypatch.setenv("READINESS_BIND", raw)

    assert envaddress("READINESS_BIND", "127.0.0.1:8000") == address
    assert local_url(*address) == url


@pytest.mark.parametrize("raw", ["8000", "localhost", "127.0.0.1:0", "127.0.0.1:70000", "::1:80"])
def test_it_refuses_a_bind_address_that_is_not_host_and_port(raw, monkeypatch):
    monkeypatch.setenv("READINESS_BIND", raw)

    with pytest.raises(ImproperlyConfigured, match=r"READINESS_BIND=.* is not HOST:PORT"):
        envaddress("READINESS_BIND", "127.0.0.1:8000")
