"""Démarrage de tout Python du .venv du cours (chargé par ``llmlab-keras-torch.pth``).

tiktoken télécharge ses vocabulaires au premier ``get_encoding``. Un élève qui suit un
tutoriel tiktoken ordinaire, sans avoir importé ``llmlab``, serait donc bloqué hors ligne.
Ce module installe un crochet d'import minuscule : au premier ``import tiktoken``, il importe
d'abord ``llmlab``, qui dépose les vocabulaires du cours dans le cache de tiktoken
(:func:`llmlab.vocab.ensure_tiktoken_cache`). Rien d'autre n'est fait au démarrage : le coût
pour un programme qui n'utilise pas tiktoken est nul.
"""

import sys


class _PrepareTiktoken:
    """Chercheur d'import qui ne trouve rien : il prépare le cache, puis s'efface."""

    def find_spec(self, name, path=None, target=None):
        if name != "tiktoken":
            return None
        sys.meta_path.remove(self)
        if "llmlab" not in sys.modules:
            try:
                import llmlab  # noqa: F401 - remplit le cache de tiktoken
            except Exception as exc:  # le démarrage de Python ne doit jamais échouer ici
                print(f"llmlab : vocabulaires hors ligne non préparés ({exc})", file=sys.stderr)
        return None  # l'import de tiktoken continue normalement


if not any(isinstance(f, _PrepareTiktoken) for f in sys.meta_path):
    sys.meta_path.insert(0, _PrepareTiktoken())
