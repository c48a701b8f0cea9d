"""Des calculs indépendants, un par processus, suivis par une seule barre de progression.

`llmlab.ladder` entraîne ainsi ses six GPT (``llmlab entrainer echelle --processus 2``) :
deux processus d'un fil occupent deux cœurs mieux qu'un processus de deux fils. Chaque
calcul annonce ses pas dans une file ; la barre les compte, chacun pesé par ce que coûte un
de ses pas (en FLOPs pour l'échelle) : son temps restant a donc un sens, même quand les
calculs ont des tailles très différentes.

Un Ctrl-C, ou l'échec d'un calcul, arrête tous les processus au pas suivant : chaque
calcul fait ce qu'il fait sur un Ctrl-C (`llmlab.training.train` enregistre son
checkpoint), et aucun calcul en attente ne démarre.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Job:
    """Un calcul : ``fn(*args, on_step=…, **kwargs)``, ``steps`` pas de ``step_cost`` chacun."""

    name: str
    args: tuple
    kwargs: dict = field(default_factory=dict)
    steps: int = 1
    step_cost: float = 1.0


def run_in_processes(
    fn,
    jobs: list[Job],
    processes: int,
    *,
    progress: bool = True,
    desc: str = "Calculs",
    unit: str = "pas",
    unit_scale: bool = False,
    announce=None,
) -> dict:
    """Lance chaque calcul dans un processus (``processes`` à la fois, dans l'ordre de
    ``jobs``) et renvoie ``{job.name: résultat}``.

    ``fn`` est une fonction d'un module (le mode « spawn », sûr partout, torch compris, la
    retrouve par son nom) qui appelle ``on_step(pas)`` après chaque pas. ``announce(name,
    résultat)`` rend la ligne écrite sous la barre quand un calcul finit.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from llmlab.display import progress_bar

    if processes < 1:
        raise ValueError("processes doit être ≥ 1.")
    context = multiprocessing.get_context("spawn")
    reports = context.Queue() if progress else None
    stop = context.Event()
    cost = {job.name: job.step_cost for job in jobs}
    seen, done = dict.fromkeys(cost, 0), {}
    bar = progress_bar(
        total=sum(job.steps * job.step_cost for job in jobs),
        desc=desc,
        unit=unit,
        unit_scale=unit_scale,
        disable=not progress,
    )

    def advance(timeout):
        for name, step in _read(reports, timeout):
            if not any(seen.values()):  # premier pas : le démarrage des processus ne compte
                bar.unpause()  # pas dans la vitesse ni dans le temps restant
            bar.update((step - seen[name]) * cost[name])
            seen[name] = step

    with bar:
        with ProcessPoolExecutor(
            max_workers=processes, mp_context=context, initializer=_init, initargs=(reports, stop)
        ) as pool:
            futures = {
                pool.submit(_call, fn, job.name, job.args, job.kwargs): job.name for job in jobs
            }
            try:
                while futures:
                    if reports is None:
                        _wait_first(futures)
                    else:
                        advance(timeout=0.5)
                    for future in [f for f in futures if f.done()]:
                        name = futures.pop(future)
                        done[name] = future.result()
                        if progress and announce is not None:
                            bar.write(announce(name, done[name]))
            except BaseException:
                stop.set()  # les calculs lancés s'arrêtent au pas suivant, les autres non plus
                for future in futures:
                    future.cancel()
                raise
        if reports is not None:  # les processus ont fini : leurs derniers pas sont arrivés
            advance(timeout=0)
    return done


def _wait_first(futures) -> None:
    from concurrent.futures import FIRST_COMPLETED, wait

    wait(futures, return_when=FIRST_COMPLETED)


def _read(reports, timeout):
    """Les pas annoncés : le premier attendu au plus ``timeout`` secondes, puis tous ceux
    qui attendent déjà."""
    import queue

    try:
        while True:
            yield reports.get(timeout=timeout) if timeout else reports.get_nowait()
            timeout = 0
    except queue.Empty:
        return


#: Dans un processus de `run_in_processes` : la file où annoncer ses pas (ou None) et
#: l'ordre d'arrêt commun.
_REPORTS = _STOP = None


def _init(reports, stop) -> None:
    """Initialisation d'un processus : file et ordre d'arrêt lui sont transmis à sa création
    (la seule façon de partager une ``multiprocessing.Queue``)."""
    global _REPORTS, _STOP
    _REPORTS, _STOP = reports, stop


def _call(fn, name, args, kwargs):
    """``fn`` dans un processus : annonce chaque pas, s'arrête comme sur un Ctrl-C quand
    l'ordre d'arrêt est donné, et le donne elle-même si elle est interrompue ou échoue."""
    reports, stop = _REPORTS, _STOP
    if stop is not None and stop.is_set():
        raise KeyboardInterrupt  # arrêt demandé avant le départ de ce calcul

    def on_step(step):
        if reports is not None:
            reports.put((name, step))
        if stop is not None and stop.is_set():
            raise KeyboardInterrupt

    try:
        return fn(*args, on_step=on_step, **kwargs)
    except BaseException:
        # Ctrl-C reçu ici (le terminal l'envoie à tous les processus) ou échec : les calculs
        # déjà confiés aux processus ne démarrent pas, sans attendre que le parent le dise.
        if stop is not None:
            stop.set()
        raise
