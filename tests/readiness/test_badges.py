"""readiness/badges.py: shields-style SVG badges whose boxes fit their text, with the text
escaped, and shields.io's endpoint JSON."""

import xml.etree.ElementTree as ET

from readiness.badges import Badge, Color, badge_endpoint, badge_svg, etag, text_width

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def texts(root: ET.Element) -> list[str]:
    return [t.text for t in root.iter(f"{SVG}text")]


def test_it_draws_the_label_and_the_message_in_an_svg_document():
    root = parse(badge_svg(Badge("readiness", "9.4/10", Color.BRIGHTGREEN)))

    assert root.tag == f"{SVG}svg"
    assert texts(root) == ["readiness", "readiness", "9.4/10", "9.4/10"]  # each with a shadow
    assert root.find(f"{SVG}title").text == "readiness: 9.4/10"
    assert root.get("aria-label") == "readiness: 9.4/10"


def test_the_message_box_has_the_colour_of_the_badge():
    root = parse(badge_svg(Badge("readiness", "3.0/10", Color.RED)))

    fills = [rect.get("fill") for rect in root.iter(f"{SVG}rect")]
    assert "#e05d44" in fills
    assert "#4c1" not in fills


def test_wider_text_makes_a_wider_badge():
    narrow = parse(badge_svg(Badge("readiness", "iiii", Color.LIGHTGREY)))
    wide = parse(badge_svg(Badge("readiness", "WWWW", Color.LIGHTGREY)))

    assert int(wide.get("width")) - int(narrow.get("width")) == round(text_width("WWWW")) - round(
        text_width("iiii")
    )


def test_each_box_is_its_text_plus_five_pixels_each_side():
    root = parse(badge_svg(Badge("readiness", "gold", Color.BRIGHTGREEN)))

    label_box, message_box = [
        int(r.get("width")) for r in root.iter(f"{SVG}rect") if r.get("fill") in ("#555", "#4c1")
    ]
    assert label_box == round(text_width("readiness")) + 10
    assert message_box == round(text_width("gold")) + 10
    assert int(root.get("width")) == label_box + message_box


def test_widths_follow_verdana_like_metrics():
    # An "m" is three times an "i" at 11px, and unknown characters count as wide as an "m".
    assert 10 < text_width("m") < 11.5
    assert 2.5 < text_width("i") < 3.5
    assert text_width("界") == text_width("m")


def test_text_is_escaped():
    svg = badge_svg(Badge("readiness", '<script>alert("x")</script> & co', Color.ORANGE))
    root = parse(svg)

    assert "<script>" not in svg
    assert texts(root)[2] == '<script>alert("x")</script> & co'
    assert root.find(f"{SVG}script") is None


def test_the_endpoint_json_is_shields_format():
    assert badge_endpoint(Badge("readiness", "gold", Color.ORANGE), cache_seconds=300) == {
        "schemaVersion": 1,
        "label": "readiness",
        "message": "gold",
        "color": "orange",
        "cacheSeconds": 300,
    }


def test_the_etag_changes_with_the_body():
    assert etag(b"a") == etag(b"a")
    assert etag(b"a") != etag(b"b")
    assert etag(b"a").startswith('"') and etag(b"a").endswith('"')
