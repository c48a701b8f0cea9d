"""Le « zygote » des noyaux de test : un Python qui importe une fois les grosses bibliothèques,
puis se clone (``os.fork``) à chaque noyau demandé. Lancé par ``harness/forkserver.py``.

Protocole, une ligne JSON par message :
- au démarrage, le zygote écrit ``{"ready": pid, "set_by_preload": [...]}`` sur sa sortie
  standard (les variables d'environnement que les imports ont écrites eux-mêmes) ;
- ``{"fork": {"argv": [...], "env": {...}, "cwd": "..."}}`` → ``{"pid": n}`` (ou ``{"error": ...}``) ;
- ``{"poll": n}`` → ``{"status": code}``, ``code`` à ``null`` tant que le noyau tourne.

Le clone ne revient jamais dans la boucle : il prend l'environnement, le dossier de travail et
les arguments demandés, joue ``python -m ipykernel_launcher`` et sort. Ce fichier n'importe
que la bibliothèque standard avant ``PRELOAD``.
"""

import atexit
import json
import os
import runpy
import signal
import sys
import threading
import traceback

#: Ce que presque chaque noyau du cours importe : torch (2 s), Keras (5 s de plus :
#: ``torch._dynamo``), matplotlib et pandas. Pas ipykernel : ses réglages par défaut lisent
#: l'environnement à l'import (``JPY_PARENT_PID``), qui doit être celui du noyau.
PRELOAD = ("numpy", "torch", "keras", "matplotlib", "matplotlib.pyplot", "pandas")


#: Le canal de commandes (lecture, écriture), que le clone ferme.
CHANNEL = []


def become_kernel(request: dict) -> None:
    """Dans le clone : devenir ``python -m ipykernel_launcher <arguments>``, puis sortir."""
    code = 1
    try:
        for stream in CHANNEL:
            os.close(stream.fileno())
        # Comme jupyter_client (start_new_session) : sa propre session, donc son propre groupe,
        # que visent les signaux du client (interruption, kill).
        os.setsid()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 0)  # l'entrée et la sortie du zygote sont le canal de commandes
        os.dup2(devnull, 1)
        os.close(devnull)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        # Le parent qu'ipykernel surveille (jupyter_client y met le sien) : le zygote. Si le
        # processus de test meurt, le zygote sort à la fin du canal, et ses noyaux avec lui.
        os.environ["JPY_PARENT_PID"] = str(os.getppid())
        sys.argv = [request["argv"][0], *request["argv"][1:]]
        sys.path[0] = os.getcwd()  # comme `python -m` : le dossier courant, pas harness/
        runpy.run_module("ipykernel_launcher", run_name="__main__", alter_sys=True)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001 - un clone ne doit jamais revenir dans la boucle
        traceback.print_exc()
    finally:
        try:
            atexit._run_exitfuncs()
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def handle(request: dict) -> dict:
    if "poll" in request:
        try:
            pid, status = os.waitpid(request["poll"], os.WNOHANG)
        except ChildProcessError:
            return {"status": -1}  # déjà ramassé : mort
        return {"status": None if pid == 0 else os.waitstatus_to_exitcode(status)}
    if "fork" in request:
        threads = threading.active_count(), len(os.listdir(f"/proc/{os.getpid()}/task"))
        if threads != (1, 1):
            return {"error": f"le zygote a {threads} fils : un fork n'est pas sûr"}
        pid = os.fork()
        if pid == 0:
            become_kernel(request["fork"])
        return {"pid": pid}
    return {"error": f"demande inconnue : {request!r}"}


def main() -> None:
    """Précharge ``PRELOAD`` (ou les modules donnés en argument), puis sert les demandes."""
    channel_in = os.fdopen(os.dup(0), "r", encoding="utf-8")
    channel_out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    CHANNEL[:] = [channel_in, channel_out]
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C vise pytest ; on sort à la fin du canal
    before = dict(os.environ)
    for name in sys.argv[1:] or PRELOAD:  # des modules en argument : un zygote léger (tests)
        __import__(name)
    # Ce que les imports écrivent eux-mêmes dans l'environnement (p. ex. torch :
    # TORCHINDUCTOR_CACHE_DIR) est une conséquence, pas un réglage : le client l'ignore.
    set_by_preload = sorted(k for k, v in os.environ.items() if before.get(k) != v)
    ready = {"ready": os.getpid(), "set_by_preload": set_by_preload}
    print(json.dumps(ready), file=channel_out, flush=True)
    for line in channel_in:
        try:
            reply = handle(json.loads(line))
        except Exception as exc:  # noqa: BLE001
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        print(json.dumps(reply), file=channel_out, flush=True)


if __name__ == "__main__":
    main()
