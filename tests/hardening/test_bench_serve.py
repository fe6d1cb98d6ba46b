"""The endpoint benchmark works end to end at a tiny size: three servers, signed requests, a table.

Figures are not asserted (performance is measured by the benchmark, not by tests); what is asserted is
that every turn of the mix is answered by its own conversation, that the signed requests pass
verification, and that nothing but 200s came back.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from skill.bench.loadgen import percentile
from skill.bench.serve import BEGIN_MARK, END_MARK, measure, write_doc


@pytest.mark.slow
def test_a_short_benchmark_run_measures_all_three_servers_on_real_turns(tmp_path: Path) -> None:
    measured = measure([2], duration_s=1.2, warmup_s=0.2, slice_s=0.4, workers=1)
    assert measured.notes == [], measured.notes
    assert measured.labels == ["baseline", "skill", "skill+verify"]
    for label in measured.labels:
        result = measured.results[(label, 2)]
        assert result["ok"] > 0, (label, result)
        assert result["completed"] == result["ok"], (label, result["statuses"])
        assert result["errors"] == {}, (label, result["errors"])
        assert 0 < result["p50_ms"] <= result["p99_ms"]
        assert result["cpu_ms_per_request"] > 0
        assert len(result["slices"]) == 3 and all(s["p50_ms"] > 0 for s in result["slices"]), result["slices"]
    report = measured.report()
    assert "| 2 | skill+verify |" in report and "(target <= 1.25)" in report

    doc = tmp_path / "bench.md"
    doc.write_text(f"# kept\n\n{BEGIN_MARK}\nold figures\n{END_MARK}\n\nkept too\n")
    write_doc(doc, "kindness bench serve --concurrency 2", report, [], measured.how)
    text = doc.read_text()
    assert text.startswith("# kept") and text.endswith("kept too\n")
    assert "old figures" not in text and "kindness bench serve --concurrency 2" in text and report in text
    assert "3 interleaved slices of 0.4 s" in text


def test_percentiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.50) == 50.0
    assert percentile(values, 0.99) == 99.0
    assert percentile(values, 1.0) == 100.0
    assert percentile([7.0], 0.99) == 7.0
    assert percentile([], 0.5) == 0.0


def test_the_in_process_turn_benchmark_reports_every_turn_for_every_app() -> None:
    from skill.bench.serve import TURNS
    from skill.bench.turns import measure_turns

    figures = measure_turns(requests=3, rounds=1, warmup=1)
    assert figures.labels == ["baseline", "skill", "skill+verify"]
    for label in figures.labels:
        for name in [t.name for t in TURNS] + ["mix"]:
            result = figures.results[(label, name)]
            assert 0 < result["p50_ms"] <= result["p99_ms"], (label, name, result)
            assert result["mean_ms"] > 0
    report = figures.report()
    assert "| breathing |" in report and "skill/baseline mean" in report


def test_a_slice_counts_only_requests_completed_after_settling_but_shares_cpu_among_all() -> None:
    from collections import Counter

    from skill.bench.loadgen import SliceLog, Tally

    log = SliceLog(
        done=[(0.05, 0.004, 200), (0.15, 0.002, 200), (0.30, 0.003, 400), (0.45, 0.001, 200), (0.52, 0.009, 200)],
        errors=Counter({"TimeoutError": 1}),
    )
    tally = Tally([], Counter(), Counter())
    tally.add(log, counted_from=0.1, counted_to=0.5, cpu_s=0.005)
    result = tally.result(concurrency=2)
    assert result["completed"] == 3 and result["ok"] == 2  # 0.15 and 0.45; 0.30 was a 400
    assert result["statuses"] == {"200": 2, "400": 1} and result["errors"] == {"TimeoutError": 1}
    assert result["rps"] == 2 / 0.4
    assert result["cpu_ms_per_request"] == 5 / 5  # every answered request of the slice shares its CPU
    assert result["p99_ms"] == 2.0 and result["slices"][0]["p50_ms"] == 1.0


def test_slice_by_slice_ratios_give_the_median_and_quartiles() -> None:
    from skill.bench.serve import per_pass

    ours = {"slices": [{"p99_ms": v} for v in (12.0, 11.0, 13.0, 10.0, 14.0)]}
    base = {"slices": [{"p99_ms": 10.0}] * 5}
    assert per_pass(ours, base, "p99_ms") == "1.20 (1.05-1.35)"
    assert per_pass({"slices": ours["slices"][:3]}, base, "p99_ms") == "n/a"
