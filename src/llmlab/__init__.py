"""llmlab : le paquet du cours « Fonctionnement et entraînement d'un LLM »."""
import os

os.environ.setdefault("KERAS_BACKEND", "torch")

__version__ = "0.1.0"
