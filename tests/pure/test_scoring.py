"""Index arithmetic on cases computed by hand."""
import pytest

from feedback_service.summaries.scoring import compose, conduct_pct, mean_of_present, mean_score, satisfaction_pct

ELEMENTS = ("access", "procedure", "officer", "result", "feedback")
CONDUCT = ("greet", "smile", "listen", "guide", "thank", "apologize")


def test_satisfaction_is_share_of_four_and_five():
    # 2 + 3 satisfied of 1 + 1 + 2 + 2 + 3 = 9 answers → 5/9
    dist = {"1": 1, "2": 1, "3": 2, "4": 2, "5": 3}
    assert satisfaction_pct(dist) == pytest.approx(100 * 5 / 9)
    # (1 + 2 + 6 + 8 + 15) / 9 = 32 / 9
    assert mean_score(dist) == pytest.approx(32 / 9)


def test_threshold_is_configurable():
    dist = {"3": 1, "4": 1, "5": 2}
    assert satisfaction_pct(dist, min_level=5) == 50.0
    assert satisfaction_pct(dist, min_level=3) == 100.0


def test_nothing_answered_is_none_not_zero():
    assert satisfaction_pct({}) is None
    assert mean_score({}) is None
    assert conduct_pct(0, 0) is None
    assert mean_of_present([None, None]) is None


def test_conduct_pct_ignores_unknown():
    assert conduct_pct(3, 1) == 75.0


def test_compose_full_case():
    answers = {
        "overall": {"5": 2, "4": 1, "2": 1},                # 3/4 = 75%, mean 16/4 = 4.0
        "element.access": {"5": 1, "3": 1},                 # 50%, mean 4
        "element.officer": {"4": 3},                        # 100%, mean 4
        "element.result": {"1": 1, "2": 2},                 # 0%, mean 5/3
        "conduct.greet": {"yes": 3, "unknown": 1},          # 100%
        "conduct.apologize": {"yes": 1, "no": 2, "unknown": 1},  # 33.33%
        "conduct.smile": {"unknown": 4},                    # None
    }
    figures = compose(4, answers, ELEMENTS, CONDUCT)
    assert figures["responses"] == 4
    assert figures["overall"] == {"1": 0, "2": 1, "3": 0, "4": 1, "5": 2}
    assert figures["satisfaction_pct"] == 75.0
    assert figures["mean_score"] == 4.0
    assert figures["elements"]["access"] == {"responses": 2, "satisfaction_pct": 50.0, "mean": 4.0}
    assert figures["elements"]["result"] == {"responses": 3, "satisfaction_pct": 0.0, "mean": 1.67}
    assert figures["elements"]["procedure"] == {"responses": 0, "satisfaction_pct": None, "mean": None}
    # Mean of the element indices that have answers: (50 + 100 + 0) / 3
    assert figures["sipas_index"] == 50.0
    assert figures["conduct"]["greet"] == {"yes": 3, "no": 0, "unknown": 1, "pct": 100.0}
    assert figures["conduct"]["apologize"]["pct"] == 33.33
    assert figures["conduct"]["smile"]["pct"] is None
    assert figures["conduct"]["listen"] == {"yes": 0, "no": 0, "unknown": 0, "pct": None}
    # Mean of the pcts that exist, from unrounded parts: (100 + 100/3) / 2 = 66.666…
    assert figures["conduct_score"] == 66.67


def test_compose_nothing_at_all():
    figures = compose(0, {}, ELEMENTS, CONDUCT)
    assert figures["satisfaction_pct"] is None
    assert figures["sipas_index"] is None
    assert figures["conduct_score"] is None
    assert figures["overall"] == {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0}


def test_keys_of_older_instruments_still_reported():
    figures = compose(1, {"overall": {"4": 1}, "conduct.ask_permission": {"yes": 1}}, ELEMENTS, CONDUCT)
    assert figures["conduct"]["ask_permission"]["pct"] == 100.0
    assert list(figures["conduct"])[:6] == list(CONDUCT)
