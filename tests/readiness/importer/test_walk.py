"""The walk and what is settled after it (readiness/importer/_walk.py)."""


def test_it_records_the_claimed_status_of_each_check(seed):
    claimed = {key: status for key, (status, _line) in seed.claims.items()}
    assert len(claimed) == 44
    assert "npm-run-build" not in claimed  # nothing in its section claims a result
    assert claimed["region-reelle-de-registerchatter"] == "pass"  # from "Résultat : ✅"
    assert claimed["monitoring-quotas-cpu-7-12-30-vcpu"] == "warn"
    assert seed.claims["functionspayment-pointe-bien-vers-west3"] == ("pass", 10)
