from judgebench.parsing import Judgment, Refused, Unparsed, parse_judgment
from judgebench.scales import PHQ9


def test_items_win_and_disagreeing_total_is_flagged():
    r = parse_judgment('{"items": [1,1,1,1,1,1,1,1,1], "total": 12}', PHQ9)
    assert r == Judgment(total=9, items=(1,) * 9, flags=("total_mismatch",))


def test_code_fence_and_prose_around_object():
    text = 'Here is my rating:\n```json\n{"rationale": "x {y}", "items": [0,1,2,3,0,1,2,3,0], "total": 12}\n```\nThanks.'
    r = parse_judgment(text, PHQ9)
    assert isinstance(r, Judgment) and r.total == 12 and r.flags == ()


def test_total_alone_is_used_when_items_invalid():
    r = parse_judgment('{"items": [4,0,0,0,0,0,0,0,0], "total": 7}', PHQ9)
    assert r == Judgment(total=7, items=None, flags=("items_invalid",))
    assert parse_judgment('{"total": 5}', PHQ9) == Judgment(total=5, items=None)


def test_out_of_range_total_without_items_is_a_parse_error():
    assert parse_judgment('{"total": 31}', PHQ9) == Unparsed("out_of_range")
    assert parse_judgment('{"items": [1,2], "total": -1}', PHQ9) == Unparsed("out_of_range")


def test_garbage_and_empty_are_parse_errors_never_numbers():
    assert parse_judgment("The score is about ten.", PHQ9) == Unparsed("no_json_object")
    assert parse_judgment("", PHQ9) == Unparsed("empty_response")
    assert parse_judgment(None, PHQ9) == Unparsed("empty_response")
    assert parse_judgment('{"items": [1,1,1', PHQ9) == Unparsed("no_json_object")


def test_refusal_detected_only_without_a_score():
    refusal = "I'm sorry, but I can't provide a diagnosis. Please reach out to a mental health professional."
    assert isinstance(parse_judgment(refusal, PHQ9), Refused)
    scored = "I can't be certain, but: {\"items\": [0,0,0,0,0,0,0,0,1], \"total\": 1}"
    assert parse_judgment(scored, PHQ9) == Judgment(total=1, items=(0,) * 8 + (1,))


def test_numeric_strings_and_integral_floats_are_accepted():
    r = parse_judgment('{"items": ["1", 2.0, 0, 0, 0, 0, 0, 0, 0]}', PHQ9)
    assert r == Judgment(total=3, items=(1, 2, 0, 0, 0, 0, 0, 0, 0))


def test_numbers_too_long_for_python_are_parse_errors_not_crashes():
    """A 5,000-digit total (beyond Python's int-conversion limit) raised ValueError inside the
    parser and the judgment was recorded as an internal error."""
    digits = "9" * 5000
    assert parse_judgment('{"items": [1,1,1,1,1,1,1,1,1], "total": ' + digits + "}", PHQ9) == Unparsed("no_json_object")
    assert parse_judgment('{"total": ' + digits + "}", PHQ9) == Unparsed("no_json_object")
    assert parse_judgment('{"total": "' + digits + '"}', PHQ9) == Unparsed("out_of_range")
