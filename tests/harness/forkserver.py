"""Des noyaux de test clonés d'un processus qui a déjà importé torch, Keras et matplotlib.

Un noyau neuf passe 3 s à importer torch et matplotlib avant sa première cellule, 8 s avec
Keras, et la suite en lance une cinquantaine : plus de deux minutes de calcul sur 2 cœurs.
Chaque processus de test démarre donc, au premier noyau, un « zygote » (``zygote.py``) qui
fait ces imports une fois ; chaque noyau est ensuite un clone (``os.fork``) du zygote, qui
prend l'environnement, le dossier de travail et les arguments de ``python -m
ipykernel_launcher`` et devient un noyau ipykernel ordinaire, dans son propre processus.

Ce qui ne change pas : chaque notebook ou document s'exécute du début à la fin dans un
espace de noms neuf (un ``import`` oublié lève toujours ``NameError``), dans un processus à
lui, avec la garde réseau, l'environnement et le dossier de Quarto. Ce qui change : les
modules de ``zygote.PRELOAD`` sont déjà dans ``sys.modules``. Le cours n'en dépend pas : le
backend de Keras et celui de matplotlib sont fixés par l'environnement, identique.

Repli sur le lancement ordinaire (``subprocess``) : hors Linux ; si l'environnement demandé
diffère de celui du zygote sur une variable lue à l'import (``IMPORT_TIME_PREFIXES``) ; si
le zygote n'a pas démarré ou a plus d'un fil ; ou si ``LLMLAB_NOYAUX_NEUFS=1``.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ZYGOTE = Path(__file__).with_name("zygote.py")
OPT_OUT = "LLMLAB_NOYAUX_NEUFS"
#: Variables lues quand Python, torch, Keras ou matplotlib démarrent : un noyau qui en
#: demande d'autres valeurs que le zygote est lancé à neuf.
IMPORT_TIME_PREFIXES = (
    "PYTHON",
    "KERAS",
    "MPL",
    "OMP_",
    "MKL_",
    "OPENBLAS_",
    "TORCH",
    "CUDA",
    "LD_",
    "XDG_",
    "HOME",
)
KERNEL_MODULE = ["-m", "ipykernel_launcher"]


class ForkedKernel:
    """Le clone vu comme un ``subprocess.Popen`` : ce qu'en attend ``LocalProvisioner``."""

    stdin = stdout = stderr = None

    def __init__(self, server: Zygote, pid: int):
        self.server, self.pid, self.returncode = server, pid, None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = self.server.status(self.pid)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"noyau {self.pid}", timeout)
            time.sleep(0.05)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class Zygote:
    """Le zygote d'un processus de test et son canal de commandes."""

    def __init__(self, env: dict[str, str], preload: tuple[str, ...] = ()):
        self.env = dict(env)
        self.refusal = ""  # pourquoi le dernier fork a été refusé (plusieurs fils…)
        self.lock = threading.Lock()
        self.process = subprocess.Popen(
            [sys.executable, str(ZYGOTE), *preload],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=self.env,
            text=True,
            encoding="utf-8",
        )
        ready = self.process.stdout.readline()
        if not ready:
            raise RuntimeError(f"le zygote s'est arrêté au démarrage (code {self.process.wait()})")
        ready = json.loads(ready)
        self.pid, self.set_by_preload = ready["ready"], set(ready["set_by_preload"])

    def ask(self, request: dict) -> dict:
        with self.lock:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
            line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("le zygote ne répond plus")
        return json.loads(line)

    def status(self, pid: int) -> int | None:
        """Le code de sortie du noyau ``pid``, ``None`` s'il tourne. Sans zygote (mort), ses
        noyaux lui survivent au plus une seconde (ipykernel surveille son parent) : on
        regarde alors seulement si le processus existe."""
        try:
            return self.ask({"poll": pid})["status"]
        except (OSError, RuntimeError, ValueError):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return -1
            return None

    def differences(self, env: dict[str, str]) -> list[str]:
        """Les variables lues à l'import où ``env`` diffère de l'environnement du zygote,
        sans celles que les imports écrivent eux-mêmes (le processus de test qui a importé
        Keras a TORCHINDUCTOR_CACHE_DIR, comme le zygote)."""
        keys = {k for k in {*env, *self.env} if k.startswith(IMPORT_TIME_PREFIXES)}
        keys -= self.set_by_preload
        return sorted(k for k in keys if env.get(k) != self.env.get(k))

    def fork(self, argv: list[str], env: dict[str, str], cwd: str) -> ForkedKernel | None:
        """Le noyau cloné, ou ``None`` si le zygote refuse (sa raison : ``self.refusal``)."""
        reply = self.ask({"fork": {"argv": argv, "env": env, "cwd": cwd}})
        self.refusal = reply.get("error", "")
        return ForkedKernel(self, reply["pid"]) if "pid" in reply else None

    def close(self) -> None:
        """Ferme le canal (le zygote sort à sa fin), attend le zygote, puis ferme les deux
        tubes, même s'il était déjà mort : sinon Python signale un fichier non fermé en
        quittant (ResourceWarning à la fin de la suite)."""
        if self.process.poll() is None:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):
                pipe.close()


_zygote: Zygote | None = None
_broken = ""  # pourquoi le zygote ne sert plus (vide : il sert)
last_fallback = ""  # pourquoi le dernier noyau a été lancé à neuf
#: Les noyaux de ce processus : clonés, lancés à neuf, et les raisons des lancements à neuf.
counts = {"clonés": 0, "à neuf": 0, "raisons": []}


def _count(forked: ForkedKernel | None) -> ForkedKernel | None:
    counts["clonés" if forked else "à neuf"] += 1
    if not forked and last_fallback not in counts["raisons"]:
        counts["raisons"].append(last_fallback)
    return forked


def summary(all_counts: list[dict]) -> str:
    """Une ligne pour la fin de la suite : combien de noyaux clonés, combien à neuf et
    pourquoi (un repli silencieux rendrait la suite lente sans rien casser)."""
    forked = sum(c["clonés"] for c in all_counts)
    fresh = sum(c["à neuf"] for c in all_counts)
    reasons = sorted({r for c in all_counts for r in c["raisons"] if r})
    line = (
        f"noyaux Jupyter : {forked} cloné{'s' * (forked > 1)} du zygote, "
        f"{fresh} lancé{'s' * (fresh > 1)} à neuf"
    )
    return line + (f" ({' ; '.join(reasons)})" if reasons else "")


def enabled() -> bool:
    return sys.platform == "linux" and not os.environ.get(OPT_OUT)


def launch(
    cmd: list[str], env: dict[str, str], cwd: str, base_env: dict[str, str]
) -> ForkedKernel | None:
    """Un noyau cloné pour ``cmd`` (``python -m ipykernel_launcher -f …``), ou ``None`` si
    ce noyau doit être lancé à neuf (voir le docstring du module). Le zygote démarre, au
    premier appel, dans ``base_env`` : l'environnement habituel des noyaux du dépôt."""
    return _count(_launch(cmd, env, cwd, base_env))


def _fallback(reason: str) -> None:
    global last_fallback
    last_fallback = reason
    return None


def _launch(cmd, env, cwd, base_env):
    global _zygote, _broken
    if not enabled():
        return _fallback(f"désactivés ({OPT_OUT}) ou hors Linux")
    if _broken:
        return _fallback(_broken)
    if cmd[:1] != [sys.executable] or cmd[1:3] != KERNEL_MODULE:
        return _fallback("autre commande que python -m ipykernel_launcher")
    try:
        if _zygote is None:
            _zygote = Zygote(base_env)
            atexit.register(_zygote.close)
        differ = _zygote.differences(env)
        if differ:
            return _fallback(f"environnement différent : {', '.join(differ)}")
        forked = _zygote.fork([cmd[0], *cmd[3:]], env, str(cwd))
        if forked is None:  # p. ex. des fils lancés à l'import : il refusera toujours
            _broken = f"zygote : {_zygote.refusal}"
            _zygote.close()
            return _fallback(_broken)
        return forked
    except (OSError, RuntimeError, ValueError) as exc:
        _broken = f"zygote en panne : {exc}"
        return _fallback(_broken)
