"""Former un groupe de processus ``torch.distributed`` : sur une machine ou plusieurs.

Un groupe, ce sont N processus numérotés de 0 à N − 1 (leurs **rangs**) qui se
retrouvent à une adresse convenue (``MASTER_ADDR:MASTER_PORT``, tenue par le rang 0)
puis s'échangent des tenseurs par des opérations collectives : all-reduce (chacun
reçoit la somme de tous), broadcast, all-gather. Le transport est gloo (TCP, sur le
processeur) ou NCCL (entre GPU NVIDIA).

Deux façons de former le groupe, le même code ensuite (`setup`) :

* ``torchrun`` lance les processus et leur donne RANK, WORLD_SIZE, MASTER_ADDR… ;
  c'est ce qui marche sur plusieurs machines ;
* `launch` les crée sur cette machine, sur 127.0.0.1 : pour les tests, les
  notebooks et ``llmlab parallele``. Elle rend ce que calcule chaque rang.
"""

from __future__ import annotations

import os
import queue as queue_module
import socket
import sys
import time
import traceback
import warnings
from datetime import timedelta

import torch
import torch.distributed as dist

#: L'adresse des groupes lancés sur cette machine : la boucle locale.
LOOPBACK = "127.0.0.1"


def free_port(host: str = LOOPBACK) -> int:
    """Un port TCP libre de ``host`` : le système en choisit un
    (port 0), qu'on rend aussitôt au rang 0 du groupe."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def pick_backend() -> str:
    """NCCL s'il y a des GPU CUDA, sinon gloo (processeur)."""
    if torch.cuda.is_available() and dist.is_nccl_available():
        return "nccl"
    return "gloo"


def setup(backend: str | None = None, timeout: float = 60.0) -> torch.device:
    """Rejoint le groupe décrit par les variables que posent
    torchrun et `launch` (RANK, WORLD_SIZE, MASTER_ADDR,
    MASTER_PORT) ; rend l'appareil de ce processus."""
    missing = [
        v for v in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT") if v not in os.environ
    ]
    if missing:
        raise RuntimeError(
            f"Variables {', '.join(missing)} absentes : lancez ce code avec "
            "torchrun, ou avec llmlab.distributed.launch."
        )
    backend = backend or pick_backend()
    if backend == "nccl":
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", 0)))
    dist.init_process_group(backend, timeout=timedelta(seconds=timeout))
    return device()


def device() -> torch.device:
    """L'appareil de ce rang : son GPU sous NCCL, sinon le
    processeur."""
    if dist.is_initialized() and dist.get_backend() == "nccl":
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


def teardown() -> None:
    """Quitte le groupe proprement (sinon torch avertit)."""
    if dist.is_initialized():
        dist.destroy_process_group()


def _loopback_interface() -> str | None:
    """Le nom de l'interface de boucle locale (« lo », « lo0 »)."""
    try:
        names = [name for _, name in socket.if_nameindex()]
    except (AttributeError, OSError):
        return None
    return next((n for n in names if n.startswith("lo")), None)


def launch(
    fn,
    *args,
    world_size: int = 2,
    timeout: float = 120.0,
    threads: int = 1,
    start_method: str | None = None,
) -> list:
    """Exécute ``fn(*args)`` dans ``world_size`` processus d'un
    même groupe gloo sur 127.0.0.1 ; rend la liste de leurs
    résultats, rang par rang (tenseurs en tableaux NumPy).

    Sous Linux, les processus sont des copies (fork) de celui-ci :
    ils démarrent en une fraction de seconde, torch déjà chargé.
    Ailleurs, ils repartent de zéro (spawn) : ``fn`` doit alors
    être une fonction d'un module importable.
    """
    if isinstance(world_size, bool) or not isinstance(world_size, int) or world_size < 1:
        raise ValueError(f"world_size doit être un entier ≥ 1 (reçu {world_size!r}).")
    # DDP et les optimiseurs importent torch._dynamo à leur premier
    # usage (des secondes) : une fois ici, pas dans chaque processus.
    import torch._dynamo  # noqa: F401
    import torch.multiprocessing as mp

    method = start_method or ("fork" if sys.platform == "linux" else "spawn")
    ctx = mp.get_context(method)
    results = ctx.Queue()
    port = free_port()
    procs = [
        ctx.Process(
            target=_run_rank, daemon=True, args=(rank, world_size, port, threads, fn, args, results)
        )
        for rank in range(world_size)
    ]
    with warnings.catch_warnings():  # fork d'un processus à fils
        warnings.simplefilter("ignore", DeprecationWarning)
        for p in procs:
            p.start()
    try:
        out = _collect(procs, results, time.monotonic() + timeout, timeout)
    except BaseException:  # erreur, délai, Ctrl-C : tout arrêter
        for p in procs:
            p.kill()
            p.join()
        raise
    for p in procs:  # ils quittent le groupe et s'arrêtent
        p.join(timeout=10)
        if p.is_alive():
            p.kill()
            p.join()
    return out


def _collect(procs, results, deadline, timeout) -> list:
    """Les résultats des rangs ; l'erreur du premier qui échoue."""
    got = {}
    while len(got) < len(procs):
        try:
            rank, ok, value = results.get(timeout=0.2)
        except queue_module.Empty:
            for rank, p in enumerate(procs):
                if p.exitcode not in (None, 0) and rank not in got:
                    raise RuntimeError(
                        f"Le processus de rang {rank} s'est arrêté (code "
                        f"{p.exitcode}) sans rendre de résultat."
                    ) from None
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"Le groupe n'a pas fini en {timeout:.0f} s (rangs "
                    f"finis : {sorted(got) or 'aucun'}) : un processus "
                    "attend sans doute les autres."
                ) from None
            continue
        if not ok:
            raise RuntimeError(f"Le processus de rang {rank} a échoué :\n{value}")
        got[rank] = value
    return [got[rank] for rank in range(len(procs))]


def _run_rank(rank, world_size, port, threads, fn, args, results):
    """Ce que fait chaque processus de `launch`."""
    os.environ.update(
        MASTER_ADDR=LOOPBACK,
        MASTER_PORT=str(port),
        RANK=str(rank),
        LOCAL_RANK=str(rank),
        WORLD_SIZE=str(world_size),
        OMP_NUM_THREADS=str(threads),
    )
    lo = None if sys.platform == "win32" else _loopback_interface()
    if lo and "GLOO_SOCKET_IFNAME" not in os.environ:
        os.environ["GLOO_SOCKET_IFNAME"] = lo
    torch.set_num_threads(threads)
    try:
        setup("gloo")
        results.put((rank, True, _plain(fn(*args))))
    except BaseException:  # noqa: BLE001 (le parent affichera la trace)
        results.put((rank, False, traceback.format_exc()))
    finally:
        teardown()


def _plain(obj):
    """Tenseurs -> tableaux NumPy (copiés), partout dans ``obj``."""
    if isinstance(obj, torch.Tensor):
        return obj.detach().cpu().numpy().copy()
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_plain(v) for v in obj)
    return obj
