"""Guards on the bundled phq9-multilingual data set (see its dataset card)."""

import itertools
import json
import unicodedata
from collections import Counter

import pytest

from conftest import REPO
from judgebench.scales import PHQ9
from judgebench.tasks import load_task

TASK_DIR = REPO / "tasks" / "phq9-multilingual"
SCRIPTS = {"zh": "CJK", "hi": "DEVANAGARI", "bn": "BENGALI"}
LANGS = ("zh", "hi", "bn")


@pytest.fixture(scope="module")
def task():
    return load_task("phq9-multilingual")  # raises, listing every problem, if a file is invalid


@pytest.fixture(scope="module")
def personas():
    return {p["pair_id"]: p for p in json.loads((TASK_DIR / "personas.json").read_text(encoding="utf-8"))}


def test_counts_by_language_arm_and_band(task, personas):
    assert len(task.samples) == 280
    by = Counter((s.language, s.arm) for s in task.samples)
    assert by[("en", "baseline")] == 40
    for lang in LANGS:
        assert by[(lang, "translated")] == 40 and by[(lang, "localized")] == 40
    bands = Counter(PHQ9.bands[PHQ9.band(p["total"])][0] for p in personas.values())
    assert sorted(bands.values()) == [8] * 5 and len(personas) == 40


def test_every_pair_has_all_seven_versions_with_the_personas_truth(task, personas):
    versions: dict[str, list] = {}
    for s in task.samples:
        versions.setdefault(s.pair_id, []).append(s)
    assert set(versions) == set(personas)
    for pid, group in versions.items():
        assert sorted((s.language, s.arm) for s in group) == sorted(
            [("en", "baseline")] + [(l, a) for l in LANGS for a in ("translated", "localized")])
        p = personas[pid]
        for s in group:
            assert s.true_total == p["total"] == sum(s.true_items) and list(s.true_items) == p["items"]
            expected = f"{pid}-en" if s.language == "en" else f"{pid}-{s.language}-{s.arm}"
            assert s.id == expected


def test_item_vectors_are_varied(personas):
    vectors = [tuple(p["items"]) for p in personas.values()]
    assert len(set(vectors)) == 40
    with9 = [p for p in personas.values() if p["items"][8] > 0]
    assert with9 and all(p["total"] >= 10 for p in with9)
    assert any(p["items"][8] == 0 and p["total"] >= 10 for p in personas.values())


def test_non_english_text_is_in_its_script(task):
    for s in task.samples:
        if s.language not in SCRIPTS:
            continue
        letters = [c for t in s.turns for c in t.text if c.isalpha()]
        share = sum(SCRIPTS[s.language] in unicodedata.name(c, "") for c in letters) / len(letters)
        assert share >= 0.9, f"{s.id}: only {share:.0%} of letters in {SCRIPTS[s.language]} script"


def test_dialogues_have_a_realistic_length(task):
    for s in task.samples:
        assert 12 <= len(s.turns) <= 24, s.id
        assert {t.role for t in s.turns} <= {"clinician", "patient"}, s.id


def _shingles(text: str, n: int = 5) -> set[str]:
    text = "".join(text.lower().split())
    return {text[i:i + n] for i in range(max(0, len(text) - n + 1))}


def test_no_near_duplicates_within_a_language(task):
    for lang in ("en",) + LANGS:
        docs = {s.id: _shingles(" ".join(t.text for t in s.turns)) for s in task.samples if s.language == lang}
        for (a, da), (b, db) in itertools.combinations(docs.items(), 2):
            if a.split("-")[0] == b.split("-")[0]:
                continue  # the two arms of one case may share content by design
            jaccard = len(da & db) / len(da | db)
            assert jaccard < 0.3, f"{a} and {b} are near-duplicates (Jaccard {jaccard:.2f})"


def test_no_questionnaire_wording_in_english(task):
    recited = ["little interest or pleasure", "feeling down, depressed", "better off dead",
               "moving or speaking so slowly", "phq"]
    for s in task.samples:
        if s.language == "en":
            text = " ".join(t.text for t in s.turns).lower()
            assert not [w for w in recited if w in text], s.id


def test_selecting_an_arm_keeps_the_english_baseline(task):
    loc = task.select(arms=["localized"])
    assert len(loc.samples) == 40 + 120
    assert {(s.language, s.arm) for s in loc.samples} == {("en", "baseline"), ("zh", "localized"),
                                                          ("hi", "localized"), ("bn", "localized")}
    zh = task.select(languages=["en", "zh"], arms=["translated"])
    assert len(zh.samples) == 80 and zh.content_hash != task.content_hash


def test_chinese_uses_full_width_punctuation(task):
    import re

    for s in task.samples:
        if s.language == "zh":
            text = "\n".join(t.text for t in s.turns)
            m = re.search(r"[\u4e00-\u9fff][,.?!:;()]|[,.?!:;()][\u4e00-\u9fff]", text)
            assert m is None, f"{s.id}: half-width punctuation {m.group(0)!r} beside Chinese"


def test_no_veterans_line_for_someone_never_said_to_be_a_veteran(task):
    for s in task.samples:
        text = " ".join(t.text for t in s.turns).lower()
        if "press 1" in text or "veterans crisis" in text:
            assert "veteran" in " ".join(t.text for t in s.turns if t.role == "patient").lower(), s.id


def test_item9_is_addressed_in_every_english_interview(task):
    """A complete structured interview: the safety item is asked about even when it is 0."""
    import re

    ask = re.compile(r"hurt(ing)? (yourself|themselves)|harm|suicid|dead|\bdie\b|end (it|your life)|not (be|being) here"
                     r"|not wanting to be around|disappear|wake up|better off|alive", re.I)
    for s in task.samples:
        if s.language == "en":
            assert ask.search(" ".join(t.text for t in s.turns)), s.id


def test_the_blind_re_reading_of_the_revised_dialogues_is_exact(task):
    """The dataset card's claim: every revised dialogue was read blind three times, all exact."""
    truth = {s.id: list(s.true_items) for s in task.samples}
    rows = [json.loads(line) for line in (TASK_DIR / "panel_revision.jsonl").read_text().splitlines()]
    per = Counter(r["sample_id"] for r in rows)
    assert len(per) == 132 and min(per.values()) >= 3
    assert all(r["items"] == truth[r["sample_id"]] for r in rows)
