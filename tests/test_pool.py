"""llmlab.pool : dans un processus, un calcul annonce ses pas et obéit à l'ordre d'arrêt
commun ; le lancement réel en plusieurs processus (spawn, barre, résultats au bit près) est
essayé par tests/test_ladder.py (`llmlab entrainer echelle --processus 2`)."""

import queue

import pytest

from llmlab import pool
from llmlab.pool import Job


class StopAfter:
    """L'ordre d'arrêt (un ``multiprocessing.Event``), posé après ``calls`` lectures."""

    def __init__(self, calls):
        self.calls, self.was_set = calls, False

    def is_set(self):
        self.calls -= 1
        return self.was_set or self.calls < 0

    def set(self):
        self.was_set = True


def counting(steps, on_step, log):
    """Un calcul de ``steps`` pas qui, comme `llmlab.training.train`, finit son pas sur un
    Ctrl-C, note ce qu'il a fait (le checkpoint), puis le fait remonter."""
    done = 0
    try:
        for step in range(1, steps + 1):
            done = step
            on_step(step)
    except KeyboardInterrupt:
        log.append(("checkpoint", done))
        raise
    log.append(("fini", done))
    return done


@pytest.fixture
def in_worker(monkeypatch):
    """Ce que `run_in_processes` installe dans chaque processus : une file et un ordre d'arrêt."""

    def install(stop):
        reports = queue.Queue()
        monkeypatch.setattr(pool, "_REPORTS", reports)
        monkeypatch.setattr(pool, "_STOP", stop)
        return reports

    return install


def drained(reports):
    return [reports.get_nowait() for _ in range(reports.qsize())]


def test_a_call_reports_each_step_and_returns(in_worker):
    reports, log = in_worker(StopAfter(10**6)), []
    assert pool._call(counting, "a", (4,), {"log": log}) == 4
    assert drained(reports) == [("a", s) for s in range(1, 5)] and log == [("fini", 4)]


def test_the_stop_order_interrupts_at_the_next_step(in_worker):
    """Posé par le parent (Ctrl-C, échec d'un autre calcul) : le calcul s'arrête comme sur un
    Ctrl-C, après avoir annoncé son pas."""
    reports, log = in_worker(StopAfter(1 + 5)), []  # lu au départ, puis après chaque pas
    with pytest.raises(KeyboardInterrupt):
        pool._call(counting, "a", (100,), {"log": log})
    assert drained(reports) == [("a", s) for s in range(1, 7)]
    assert log == [("checkpoint", 6)]


def test_a_call_does_not_start_once_stopped(in_worker):
    reports, log = in_worker(StopAfter(0)), []
    with pytest.raises(KeyboardInterrupt):
        pool._call(counting, "b", (100,), {"log": log})
    assert log == [] and reports.empty()


@pytest.mark.parametrize("error", [KeyboardInterrupt, MemoryError])
def test_an_interrupted_or_failed_call_stops_the_others(in_worker, error):
    """Un Ctrl-C arrivé dans ce processus, ou une erreur : l'ordre d'arrêt est posé ici, sans
    attendre le parent, pour que les calculs déjà confiés aux processus ne démarrent pas."""
    stop = StopAfter(10**6)
    in_worker(stop)

    def failing(on_step):
        on_step(1)
        raise error

    with pytest.raises(error):
        pool._call(failing, "c", (), {})
    assert stop.was_set


def test_run_in_processes_refuses_zero_processes():
    with pytest.raises(ValueError, match="processes doit être ≥ 1"):
        pool.run_in_processes(counting, [Job("a", (1,))], 0)
