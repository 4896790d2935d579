import datetime as dt

from django.utils import translation

from readiness.templatetags import readiness_tags as tags


def test_it_formats_a_score_out_of_ten_with_one_decimal():
    with translation.override("en"):
        assert tags.score(9.75) == f"{9.75:.1f}/10"
        assert tags.score(None) == "—/10"


def test_it_uses_a_decimal_comma_in_french():
    with translation.override("fr"):
        assert tags.score(9.8).startswith("9,8")
        assert tags.amount(-0.25).startswith("−0,25")


def test_it_floors_coverage_so_that_almost_everything_is_not_everything():
    with translation.override("en"):
        assert tags.coverage(0.996) == "99% measured"


def test_it_shows_a_rise_a_drop_and_no_change_with_arrows_and_words():
    with translation.override("en"):
        assert "▲ +0.6" in tags.delta(0.6000000000000005)
        assert "▼ −0.3" in tags.delta(-0.3)
        assert "delta-flat" in tags.delta(0.01)
        assert tags.delta(None) == ""


def test_it_gives_every_status_an_icon_and_a_word():
    with translation.override("en"):
        for status, word in [
            ("pass", "Pass"),
            ("fail", "Fail"),
            ("warn", "Warn"),
            ("error", "Error"),
        ]:
            badge = tags.status_badge(status)
            assert f"badge-{status}" in badge
            assert tags.STATUS_ICONS[status] in badge
            assert word in badge


def test_it_marks_verdicts_with_an_icon_and_a_word():
    with translation.override("en"):
        assert "✓" in tags.verdict_badge("ready") and "ready" in tags.verdict_badge("ready")
        assert "✗" in tags.verdict_badge("not-ready")
        assert "not ready" in tags.verdict_badge("not-ready")


def test_it_draws_a_sparkline_with_one_point_per_score_on_a_0_to_10_scale():
    svg = tags.sparkline([0.0, 5.0, 10.0], width=100, height=20)
    points = svg.split('points="')[1].split('"')[0].split()
    assert len(points) == 3
    ys = [float(p.split(",")[1]) for p in points]
    assert ys[0] > ys[1] > ys[2]
    assert "<svg" in svg and 'role="img"' in svg


def test_it_labels_evidence_details_and_hides_bookkeeping():
    items = tags.detail_items(
        {
            "status": 503,
            "latency_ms": 1234.0,
            "stdout_excerpt": "line 1\nline 2",
            "stdout_bytes": 12,
        }
    )
    by_key = {item["key"]: item for item in items}
    assert set(by_key) == {"status", "latency_ms", "stdout_excerpt"}
    assert by_key["stdout_excerpt"]["block"]
    with translation.override("en"):
        assert tags.milliseconds(1234.0) == "1.2 s"


def test_it_measures_an_assessments_duration():
    class Run:
        started_at = dt.datetime(2026, 2, 16, 8, 30, tzinfo=dt.UTC)
        finished_at = started_at + dt.timedelta(minutes=2, seconds=5)

    with translation.override("en"):
        assert tags.duration(Run()) == "2 min 5 s"


def test_it_links_only_http_evidence():
    assert tags.http_url(" https://example.com/proof ") == "https://example.com/proof"
    assert tags.http_url("javascript:alert(1)") == ""
    assert tags.http_url(None) == ""
