"""La grappe comptée sur le papier : bulle du pipeline (simulation contre forme close),
groupes du parallélisme 3-D, mémoire par GPU selon ZeRO."""

import itertools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from llmlab import cluster, costs  # noqa: E402


@pytest.mark.parametrize("backward_cost", [1.0, 2.0, 3.0])
def test_simulated_gpipe_bubble_is_the_closed_form(backward_cost):
    for p, m in itertools.product(range(1, 7), range(1, 13)):
        tasks = cluster.gpipe_schedule(p, m, backward_cost)
        assert len(tasks) == 2 * p * m
        expected = (p - 1) / (m + p - 1)
        assert cluster.schedule_bubble(tasks) == pytest.approx(expected, abs=1e-12)
        assert cluster.bubble_fraction(p, m) == pytest.approx(expected, abs=1e-15)


def test_bubble_fraction_known_values():
    assert cluster.bubble_fraction(1, 1) == 0  # un seul GPU : jamais d'attente
    assert cluster.bubble_fraction(4, 1) == 0.75  # sans micro-lots : 3 GPU sur 4 attendent
    assert cluster.bubble_fraction(4, 4) == 3 / 7
    assert cluster.bubble_fraction(8, 32) == pytest.approx(7 / 39)


def test_gpipe_respects_the_dependencies():
    tasks = {(t.stage, t.micro_batch, t.kind): t for t in cluster.gpipe_schedule(3, 4)}
    for (s, i, kind), t in tasks.items():
        if kind == "F" and s > 0:  # l'activation de l'étage d'avant
            assert t.start >= tasks[(s - 1, i, "F")].end
        if kind == "B":
            assert t.start >= tasks[(2, 3, "F")].end  # GPipe : toutes les passes avant d'abord
            if s < 2:  # le gradient de l'étage d'après
                assert t.start >= tasks[(s + 1, i, "B")].end
    by_stage = {}
    for t in tasks.values():  # un GPU ne fait qu'une chose à la fois
        by_stage.setdefault(t.stage, []).append((t.start, t.end))
    for spans in by_stage.values():
        spans.sort()
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "4"])
def test_bubble_refuses_bad_counts(bad):
    with pytest.raises(ValueError, match="entier ≥ 1"):
        cluster.bubble_fraction(bad, 4)
    with pytest.raises(ValueError, match="entier ≥ 1"):
        cluster.gpipe_schedule(4, bad)


def test_parallel_groups_partition_the_ranks():
    tp, pp, dp = 2, 4, 3
    groups = cluster.parallel_groups(tp, pp, dp)
    world = set(range(tp * pp * dp))
    for kind, size in (("tensor", tp), ("pipeline", pp), ("data", dp)):
        members = [r for g in groups[kind] for r in g]
        assert sorted(members) == sorted(world), kind  # chaque rang une fois
        assert all(len(g) == size for g in groups[kind])
    # un groupe tensoriel : des rangs qui se suivent (la même machine)
    assert all(g == list(range(g[0], g[0] + tp)) for g in groups["tensor"])
    # deux groupes de sortes différentes n'ont qu'un rang en commun
    for a in groups["tensor"]:
        for b in groups["data"]:
            assert len(set(a) & set(b)) <= 1


def test_parallel_groups_megatron_numbering():
    groups = cluster.parallel_groups(2, 2, 2)
    assert groups["tensor"] == [[0, 1], [2, 3], [4, 5], [6, 7]]
    assert groups["pipeline"] == [[0, 2], [1, 3], [4, 6], [5, 7]]
    assert groups["data"] == [[0, 4], [1, 5], [2, 6], [3, 7]]


def test_figures_draw_what_the_functions_compute():
    ax = cluster.plot_pipeline_schedule(4, 6)
    assert "bulle : 33 %" in [t.get_text() for t in ax.get_legend().get_texts()]
    assert len([t for t in ax.texts]) == 2 * 4 * 6  # un numéro par tâche
    ax = cluster.plot_bubble((2, 4), 16)
    assert ax.lines[1].get_ydata()[0] == pytest.approx(75.0)  # p = 4, m = 1
    assert ax.yaxis.get_major_formatter()(100, 0) == "100\u00a0%"  # à la française
    ax = cluster.plot_3d_parallelism(2, 3, 2)
    assert sorted(int(t.get_text()) for t in ax.texts if t.get_text().isdigit()) == list(range(12))
    ax = cluster.plot_megatron_mlp(3)
    texts = {t.get_text() for t in ax.texts}
    assert {"A₀", "A₁", "A₂", "B₂", "Y₂", "Y"} <= texts and "A₃" not in texts
    with pytest.raises(ValueError, match="de 1 à 4"):
        cluster.plot_megatron_mlp(5)
    ax = cluster.plot_memory_wall(175e9, 64)
    totals = [
        sum(b.get_width() for b in ax.patches if abs(b.get_y() + b.get_height() / 2 - row) < 1e-9)
        for row in range(4)
    ]
    for stage, total in enumerate(totals):
        expected = costs.training_memory(175e9, "mixed", "adam", stage, 64)["total"] / 1e9
        assert total == pytest.approx(expected)
    plt.close("all")
