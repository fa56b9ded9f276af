"""Every switch matters, in the direction it claims (issue 12, item 5).

Reads docs/mechanisms.json, written with docs/mechanisms.md by ``python -m
analysis.mechanisms``; nothing here runs the simulations again.
"""

from __future__ import annotations

import json

import pytest

from analysis import mechanisms as M

# The switches that fail on today's code (measured by the generator; see docs/mechanisms.md's
# summary). The mechanism engineer regenerates the document and removes these marks.


@pytest.fixture(scope="module")
def data() -> dict:
    return json.loads(M.JSON_PATH.read_text(encoding="utf-8"))


def test_the_document_is_current(data):
    text = M.DOC_PATH.read_text(encoding="utf-8")
    assert data["digest"] == M.input_digest(), M.STALE_MESSAGE
    assert text == M.render_markdown(data), M.STALE_MESSAGE


def test_every_switch_has_a_prediction_and_a_measurement(data):
    missing = M.missing_predictions(M.load_predictions())
    assert not missing, (
        f"no prediction in docs/{M.PREDICTIONS_PATH.name} for switch(es) "
        + ", ".join(missing)
        + ": add each with its why and predicted signs, then run "
        + M.COMMAND
    )
    unmeasured = [name for name in M.switch_names() if name not in data["mechanisms"]]
    assert not unmeasured, M.STALE_MESSAGE + " (unmeasured: " + ", ".join(unmeasured) + ")"


def test_every_switch_has_a_significant_effect_somewhere(data):
    inert, _ = M.failures(data)
    assert not inert, (
        "no effect whose 90% interval excludes zero in any shipped scenario: "
        + ", ".join(inert)
        + " (add the scenario that shows what it does)"
    )


def test_no_significant_effect_contradicts_its_prediction(data):
    _, wrong = M.failures(data)
    assert not wrong, "effects opposite to the prediction:\n" + "\n".join(wrong)


# ------------------------------------------------------------------ the machinery


def test_paired_t_interval_on_a_known_sample():
    # mean 2.5, sd 1.2910, t(0.95, 3) = 2.3534: half-width 1.5191
    stats = M.mean_interval([1.0, 2.0, 3.0, 4.0])
    assert stats["n"] == 4 and stats["mean"] == pytest.approx(2.5)
    assert stats["low"] == pytest.approx(0.98091, abs=1e-5)
    assert stats["high"] == pytest.approx(4.01909, abs=1e-5)
    assert stats["significant"]
    assert not M.mean_interval([-1.0, 1.0, -2.0, 2.0])["significant"]
    assert not M.mean_interval([0.0] * 10)["significant"]  # an inert switch
    assert M.mean_interval([3.0])["low"] is None and M.mean_interval([])["mean"] is None


def test_paired_effects_are_differences_or_log10_ratios_on_defined_seeds():
    assert M.paired_effects([3.0, 5.0], [1.0, 1.0], "difference") == [2.0, 4.0]
    ratio = M.paired_effects([100.0, 1.0, float("nan")], [1.0, 10.0, 1.0], "log10 ratio")
    assert ratio == pytest.approx([2.0, -1.0])


def test_contradiction_needs_a_significant_effect_and_a_signed_prediction():
    up = {"mean": 0.5, "low": 0.1, "high": 0.9, "significant": True}
    noise = {"mean": 0.5, "low": -0.1, "high": 1.1, "significant": False}
    assert M.contradicts(up, "-") and not M.contradicts(up, "+") and not M.contradicts(up, "?")
    assert not M.contradicts(noise, "-")


def test_switches_are_discovered_from_the_schema(monkeypatch):
    from pydantic import create_model

    from sim import params as P

    assert M.switch_names() == list(P.Mechanisms.model_fields)
    extended = create_model("Mechanisms", __base__=P.Mechanisms, new_switch=(P.Switch, P.Switch()))
    monkeypatch.setattr(P, "Mechanisms", extended)
    assert "new_switch" in M.switch_names()
    assert M.missing_predictions(M.load_predictions()) == ["new_switch"]


def test_predictions_file_is_refused_with_the_key_at_fault(tmp_path):
    bad = tmp_path / "p.yaml"
    bad.write_text('mechanisms:\n  warm_start:\n    why: x\n    hhi: "up"\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"mechanisms\.warm_start\.hhi"):
        M.load_predictions(bad)
    bad.write_text('mechanisms:\n  warm_start:\n    why: x\n    hi: "+"\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"mechanisms\.warm_start\.hi: not an outcome"):
        M.load_predictions(bad)


def test_digest_ignores_listing_order_and_line_endings(tmp_path):
    a, b = tmp_path / "a.py", tmp_path / "b.yaml"
    a.write_bytes(b"x = 1\ny = 2\n")
    b.write_bytes(b"k: v\n")
    first = M.digest_of([a, b], tmp_path)
    assert M.digest_of([b, a], tmp_path) == first
    a.write_bytes(b"x = 1\r\ny = 2\r\n")
    assert M.digest_of([a, b], tmp_path) == first
    a.write_bytes(b"x = 1\ny = 3\n")
    assert M.digest_of([a, b], tmp_path) != first
