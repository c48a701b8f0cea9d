"""llmlab : le paquet du cours « Fonctionnement et entraînement d'un LLM »."""

import os

os.environ.setdefault("KERAS_BACKEND", "torch")

__version__ = "0.1.0"

from llmlab.vocab import ensure_tiktoken_cache as _offline_vocab

_offline_vocab()  # noqa: E402,E702,I001

from llmlab import style  # noqa: E402 - le style matplotlib « ars-typographica »

style.register()
