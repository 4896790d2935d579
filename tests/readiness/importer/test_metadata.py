"""Title, date, author and claimed status (readiness/importer/_metadata.py)."""

import datetime as dt

from tests.readiness.importer.conftest import SEED


def test_it_reads_the_title_and_the_date(seed):
    assert seed.title == "TESTS DE VÉRIFICATION COMPLÈTE - 2026-02-16"
    assert seed.date == dt.date(2026, 2, 16)
    assert seed.author is None
    assert seed.attested_by == SEED
