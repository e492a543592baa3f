"""Guards on the bundled phq9-passive tier (see tasks/phq9-passive/README.md, its dataset card).

The tier is hard by design; these tests keep it hard *and* fair: labels follow from the diary,
every evidence unit points at a real turn, no questionnaire wording gives the answer away, and
neither the length of what the person writes nor a bag-of-words model predicts the severity.
"""

import json
import re
import unicodedata
from collections import Counter, defaultdict

import numpy as np
import pytest

from conftest import REPO
from judgebench.tasks import load_task

TASK_DIR = REPO / "tasks" / "phq9-passive"
LANGS = ("zh", "hi", "bn")
ARMS = {"en": ("baseline",), "zh": ("translated", "localized"),
        "hi": ("translated", "localized", "codemixed"), "bn": ("translated", "localized", "codemixed")}
SCRIPTS = {"zh": "CJK", "hi": "DEVANAGARI", "bn": "BENGALI"}
RECOVERABILITY = {"explicit", "inferable", "ambiguous", "hidden"}

# PHQ-9 answer anchors and stems in every language and script of the tier, formulaic frequency
# cues of the explicit tier, and score or band words: a judge must infer frequency from events.
BANNED = [
    "several days", "more than half", "half the days", "nearly every day", "almost every day",
    "every single day", "more days than not", "not at all", "how often have you been bothered",
    "over the last two weeks", "over the last 2 weeks", "little interest or pleasure",
    "feeling down, depressed", "better off dead", "phq", "questionnaire", "mild depression",
    "moderate depression", "severe depression", "moderately severe", "depression score",
    "好几天", "一半以上", "超过一半", "几乎每天", "完全不会", "过去两周", "过去两个星期", "抑郁量表",
    "重度抑郁", "中度抑郁", "轻度抑郁",
    "कई दिन", "आधे से ज़्यादा दिन", "आधे से अधिक दिन", "आधे से ज्यादा दिन", "लगभग हर दिन",
    "बिल्कुल नहीं", "पिछले दो हफ़्तों", "पिछले दो हफ्तों",
    "কয়েক দিন", "কয়েকদিন", "অর্ধেকের বেশি", "প্রায় প্রতিদিন", "একেবারেই না", "গত দুই সপ্তাহ",
    "kai din", "aadhe se zyada", "aadhe se jyada", "lagbhag har din", "bilkul nahi", "pichhle do hafte",
    "koyek din", "koekdin", "ordhek er beshi", "ordheker beshi", "prai protidin", "pray protidin",
    "praye protidin",
]


def diary_level(n_days: int) -> int:
    """The construction rule: days of the last 14 on which the symptom was present -> item level."""
    return 0 if n_days <= 1 else 1 if n_days <= 6 else 2 if n_days <= 11 else 3


@pytest.fixture(scope="module")
def task():
    return load_task("phq9-passive")  # raises, listing every problem, if a file is invalid


@pytest.fixture(scope="module")
def explicit_truth():
    return {s.pair_id: s.true_items for s in load_task("phq9-multilingual").samples}


def _person_text(s) -> str:
    return " ".join(t.text for t in s.turns if t.role == "user")


def _length(s) -> int:
    text = _person_text(s)
    return len(re.findall(r"[\u4e00-\u9fff]", text)) if s.language == "zh" else len(text.split())


def test_counts_arms_and_ids(task):
    assert len(task.samples) == 360
    by = Counter((s.language, s.arm) for s in task.samples)
    assert by == Counter({(lang, arm): 40 for lang, arms in ARMS.items() for arm in arms})
    for s in task.samples:
        assert s.id == (f"{s.pair_id}-en" if s.language == "en" else f"{s.pair_id}-{s.language}-{s.arm}")


def test_same_cases_and_truth_as_the_explicit_tier(task, explicit_truth):
    assert {s.pair_id for s in task.samples} == set(explicit_truth)
    for s in task.samples:
        assert s.true_items == explicit_truth[s.pair_id], s.id


def test_labels_follow_from_the_diary(task):
    for s in task.samples:
        diary = s.meta["diary"]
        assert sorted(diary) == [str(i) for i in range(1, 10)], s.id
        for i, level in enumerate(s.true_items, 1):
            days = [d["day"] for d in diary[str(i)]]
            assert len(set(days)) == len(days) and all(1 <= d <= 14 for d in days), (s.id, i)
            assert diary_level(len(days)) == level, (s.id, i)


def test_ranges_and_hidden_items(task):
    for s in task.samples:
        assert s.true_items_range is not None, s.id
        assert all(lo <= t <= hi for (lo, hi), t in zip(s.true_items_range, s.true_items)), s.id
        hidden = s.hidden_items or ()
        assert len(hidden) <= 1, s.id  # at most one item never surfaces (at most 3 points)
        for item in hidden:
            assert s.true_items[item - 1] > 0 and s.true_items_range[item - 1][0] == 0, s.id


def test_evidence_plan_schema(task):
    units_by_case = defaultdict(dict)
    for s in task.samples:
        diary = s.meta["diary"]
        evidence = s.meta["evidence"]
        ids = [u["id"] for u in evidence]
        assert len(ids) == len(set(ids)), s.id
        for u in evidence:
            assert u["recoverability"] in RECOVERABILITY, (s.id, u["id"])
            assert 1 <= u["item"] <= 9, (s.id, u["id"])
            assert set(u["days"]) <= {d["day"] for d in diary[str(u["item"])]}, (s.id, u["id"])
            if u["recoverability"] == "hidden":
                assert u["turn"] is None, (s.id, u["id"])
            else:
                assert s.turns[u["turn"]].role == "user", (s.id, u["id"])
        evidenced = {u["item"] for u in evidence}
        assert all(level == 0 or i in evidenced for i, level in enumerate(s.true_items, 1)), s.id
        hidden = sorted({u["item"] for u in evidence if u["recoverability"] == "hidden"})
        assert hidden == list(s.hidden_items or ()), s.id
        # every arm carries the same units (ids, items, days, recoverability) as the baseline
        units_by_case[s.pair_id][s.id] = {(u["id"], u["item"], tuple(u["days"]), u["recoverability"]) for u in evidence}
    for pid, arms in units_by_case.items():
        assert len({frozenset(v) for v in arms.values()}) == 1, pid


def test_format_roles_and_length(task):
    for s in task.samples:
        assert 16 <= len(s.turns) <= 40, s.id
        assert [t.role for t in s.turns] == ["user", "assistant"] * (len(s.turns) // 2) + ["user"] * (len(s.turns) % 2), s.id


def test_scripts_and_punctuation(task):
    for s in task.samples:
        letters = [c for t in s.turns for c in t.text if c.isalpha()]
        if s.arm == "codemixed" or s.language == "en":
            assert s.meta["script"] == "Latn", s.id
            share = sum("LATIN" in unicodedata.name(c, "") for c in letters) / len(letters)
            assert share >= 0.95, f"{s.id}: only {share:.0%} Latin letters"
            continue
        share = sum(SCRIPTS[s.language] in unicodedata.name(c, "") for c in letters) / len(letters)
        assert share >= 0.9, f"{s.id}: only {share:.0%} of letters in {SCRIPTS[s.language]} script"
        text = "\n".join(t.text for t in s.turns)
        if s.language == "zh":
            m = re.search(r"[\u4e00-\u9fff][,.?!:;()]|[,.?!:;()][\u4e00-\u9fff]", text)
            assert m is None, f"{s.id}: half-width punctuation {m.group(0)!r} beside Chinese"
        # the danda (U+0964, U+0965) is shared by both scripts
        other = r"[\u0980-\u09ff]" if s.language == "hi" else r"[\u0900-\u0963\u0966-\u097f]" if s.language == "bn" else None
        assert other is None or not re.search(other, text), f"{s.id}: Devanagari and Bengali mixed"


def test_no_questionnaire_wording(task):
    for s in task.samples:
        text = "\n".join(t.text for t in s.turns).lower()
        found = [b for b in BANNED if b.lower() in text]
        assert not found, f"{s.id}: {found}"


def test_opens_with_a_presenting_problem_not_a_diagnosis(task):
    for s in task.samples:
        if s.language == "en":
            opening = s.turns[0].text.lower()
            assert not re.search(r"\bi(?:'m| am) (?:so |really |very )?depressed\b", opening), s.id


def test_length_does_not_track_severity(task):
    groups = defaultdict(list)
    for s in task.samples:
        groups[(s.language, s.arm)].append((_length(s), s.true_total))
    for key, rows in groups.items():
        words, totals = np.array(rows, dtype=float).T
        r = np.corrcoef(words, totals)[0, 1]
        assert abs(r) < 0.3, f"{key}: r(person's words, total) = {r:+.2f}"


def test_a_bag_of_words_model_cannot_predict_severity(task):
    """TF-IDF + ridge, leave-one-out over the 40 English cases, must stay at r <= 0.6 (the
    explicit tier reaches 0.94)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import Ridge

    en = [s for s in task.samples if s.language == "en"]
    texts = [_person_text(s) for s in en]
    y = np.array([s.true_total for s in en], dtype=float)
    preds = []
    for i in range(len(en)):
        train = [j for j in range(len(en)) if j != i]
        vec = TfidfVectorizer(sublinear_tf=True, min_df=2, ngram_range=(1, 2))
        x = vec.fit_transform([texts[j] for j in train])
        model = Ridge(alpha=1.0).fit(x, y[train])
        preds.append(float(model.predict(vec.transform([texts[i]]))[0]))
    r = np.corrcoef(preds, y)[0, 1]
    assert r <= 0.6, f"leave-one-out TF-IDF + ridge reaches r = {r:.2f}"


def test_item9_support_is_safe(task):
    """Where item 9 is non-zero the assistant answers as a safe support product must: it offers
    a crisis line or emergency help in the language's region."""
    resources = re.compile(r"988|12356|82951332|14416|999|kaan pete roi|কান পেতে রই|crisis|helpline|hotline|热线|हेल्पलाइन|হেল্পলাইন", re.I)
    for s in task.samples:
        if s.true_items[8] > 0:
            said = " ".join(t.text for t in s.turns if t.role == "assistant")
            said = "".join(str(unicodedata.digit(c)) if c.isdigit() else c for c in said)  # ৯৮৮ is 988
            assert resources.search(said), s.id


@pytest.fixture(scope="module")
def panel(task):
    truth = {s.id: s for s in task.samples}
    rows = [json.loads(line) for line in (TASK_DIR / "panel.jsonl").read_text(encoding="utf-8").splitlines()]
    for r in rows:
        assert r["sample_id"] in truth and len(r["items"]) == 9 and r["total"] == sum(r["items"]), r
        assert r["text"] in ("current", "superseded")
    return [r for r in rows if r["text"] == "current"], truth


def test_the_blind_panel_covers_the_tier(panel):
    current, truth = panel
    per = Counter(r["sample_id"] for r in current)
    assert all(per[s] >= 3 for s in truth if s.endswith("-en"))
    others = [s for s in truth if not s.endswith("-en")]
    assert sum(per[s] >= 3 for s in others) >= len(others) // 3  # a stratified third, three readers each


def test_the_blind_panel_lands_where_the_tier_promises(panel):
    """The figures the dataset card reports: one reader within 1.0-3.0 points of construction,
    at most 80% of items exact, the panel mean within 2.5, no dialogue whose panel median misses
    by 4 or more, and no arm gap above 0.5 (localization did not change the severity)."""
    current, truth = panel
    err = [abs(r["total"] - truth[r["sample_id"]].true_total) for r in current]
    exact = np.mean([a == b for r in current for a, b in zip(r["items"], truth[r["sample_id"]].true_items)])
    by = defaultdict(list)
    for r in current:
        by[r["sample_id"]].append(r["total"])
    panel_err = [abs(np.mean(v) - truth[s].true_total) for s, v in by.items()]
    assert 1.0 <= np.mean(err) <= 3.0 and exact <= 0.80 and np.mean(panel_err) <= 2.5
    assert all(abs(np.median(v) - truth[s].true_total) < 4 for s, v in by.items()), \
        [s for s, v in by.items() if abs(np.median(v) - truth[s].true_total) >= 4]
    for lang in LANGS:
        means = {arm: [np.mean(v) for s, v in by.items() if truth[s].language == lang and truth[s].arm == arm]
                 for arm in ("translated", "localized")}
        assert abs(np.mean(means["localized"]) - np.mean(means["translated"])) <= 0.5, lang
