"""Vocabulaires tiktoken hors ligne : tiktoken lui-même les charge, réseau coupé."""

import hashlib
import json
import os
import subprocess
import sys

import pytest

from llmlab import vocab

# Script lancé dans un processus neuf : réseau coupé *avant* d'importer llmlab et tiktoken.
OFFLINE_SCRIPT = r"""
import json, os, socket, sys

def refuse(*args, **kwargs):
    raise OSError("réseau coupé par le test")

socket.socket.connect = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse

import llmlab, tiktoken
from llmlab._paths import DATA_DIR

out = {"cache": os.environ.get("TIKTOKEN_CACHE_DIR")}
for name in sys.argv[1:]:
    enc = tiktoken.get_encoding(name)
    out[name] = {"ids": enc.encode("Hello world"), "n_vocab": enc.n_vocab,
                 "eot": enc.eot_token}
if "r50k_base" in sys.argv:
    text = (DATA_DIR / "corpus_fr.txt").read_text(encoding="utf-8")
    gpt2, r50k = tiktoken.get_encoding("gpt2"), tiktoken.get_encoding("r50k_base")
    out["gpt2_equals_r50k"] = gpt2.encode(text) == r50k.encode(text)
    out["roundtrip"] = gpt2.decode(gpt2.encode(text)) == text
try:
    tiktoken.get_encoding("p50k_base")  # pas dans le cache : doit vouloir le réseau
    out["network_blocked"] = False
except Exception:
    out["network_blocked"] = True
out["available"] = llmlab.vocab.available_encodings()
print(json.dumps(out))
"""


def run_offline(env_updates, encodings):
    env = {
        k: v for k, v in os.environ.items() if k not in ("TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR")
    }
    env.update(env_updates)
    done = subprocess.run(
        [sys.executable, "-c", OFFLINE_SCRIPT, *encodings],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_four_encodings_load_offline_in_fresh_process(tmp_path):
    out = run_offline({"LLMLAB_CACHE": str(tmp_path)}, list(vocab.ENCODINGS))
    assert out["network_blocked"], "le test doit vraiment couper le réseau"
    assert out["cache"] == str(tmp_path / "tiktoken")
    # Identifiants publiés (GPT-2 : « Hello world » -> [15496, 995]).
    assert out["gpt2"] == {"ids": [15496, 995], "n_vocab": 50257, "eot": 50256}
    assert out["r50k_base"] == {"ids": [15496, 995], "n_vocab": 50257, "eot": 50256}
    assert out["cl100k_base"]["ids"] == [9906, 1917]
    assert out["cl100k_base"]["eot"] == 100257
    assert out["o200k_base"]["ids"] == [13225, 2375]
    assert out["o200k_base"]["eot"] == 199999
    assert out["gpt2_equals_r50k"] and out["roundtrip"]
    assert all(out["available"].values())


def test_user_cache_is_completed_not_replaced(tmp_path):
    user = tmp_path / "mon-cache"
    user.mkdir()
    (user / "autre-fichier").write_text("à garder")
    out = run_offline(
        {"TIKTOKEN_CACHE_DIR": str(user), "LLMLAB_CACHE": str(tmp_path / "x")}, ["gpt2"]
    )
    assert out["cache"] == str(user)
    assert out["gpt2"]["ids"] == [15496, 995]
    assert (user / "autre-fichier").read_text() == "à garder"
    assert not (tmp_path / "x").exists()


def tiktoken_expectations(monkeypatch):
    """Les (url, sha256) que tiktoken exige, relevés en appelant son propre code."""
    from tiktoken_ext import openai_public

    seen = {}

    def fake_bpe(url, expected_hash=None):
        seen[url.rsplit("/", 1)[-1]] = (url, expected_hash)
        return {}

    def fake_data_gym(
        vocab_bpe_file, encoder_json_file, vocab_bpe_hash, encoder_json_hash, **kwargs
    ):
        seen["vocab.bpe"] = (vocab_bpe_file, vocab_bpe_hash)
        seen["encoder.json"] = (encoder_json_file, encoder_json_hash)
        return {}

    monkeypatch.setattr(openai_public, "load_tiktoken_bpe", fake_bpe)
    monkeypatch.setattr(openai_public, "data_gym_to_mergeable_bpe_ranks", fake_data_gym)
    for name in vocab.ENCODINGS:
        getattr(openai_public, name)()
    return seen


def test_file_table_matches_tiktoken(monkeypatch):
    seen = tiktoken_expectations(monkeypatch)
    assert seen == {name: (url, sha) for name, (url, sha, _) in vocab.TIKTOKEN_FILES.items()}


def test_gpt2_files_rebuilt_byte_for_byte(monkeypatch):
    seen = tiktoken_expectations(monkeypatch)
    ranks = vocab.parse_tiktoken(vocab.R50K_PATH.read_bytes())
    vocab_bpe, encoder_json = vocab.gpt2_files(ranks)
    assert hashlib.sha256(vocab_bpe).hexdigest() == seen["vocab.bpe"][1]
    assert hashlib.sha256(encoder_json).hexdigest() == seen["encoder.json"][1]
    # La première fusion de GPT-2 colle « Ġ » et « t » (espace + t).
    assert vocab_bpe.decode().split("\n")[1] == "Ġ t"


def test_fill_cache_once_then_repairs_truncated_file(tmp_path):
    assert sorted(vocab.fill_cache(tmp_path)) == sorted(vocab.TIKTOKEN_FILES)
    assert vocab.fill_cache(tmp_path) == []  # rien à refaire au prochain import
    url = vocab.TIKTOKEN_FILES["o200k_base.tiktoken"][0]
    target = tmp_path / vocab.cache_name(url)
    target.write_bytes(target.read_bytes()[:1000])  # copie interrompue
    assert vocab.fill_cache(tmp_path) == ["o200k_base.tiktoken"]
    assert (
        hashlib.sha256(target.read_bytes()).hexdigest()
        == vocab.TIKTOKEN_FILES["o200k_base.tiktoken"][1]
    )


def test_available_encodings_detects_altered_file(tmp_path, monkeypatch):
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    vocab.fill_cache(tmp_path)
    assert all(vocab.available_encodings().values())
    url, _, size = vocab.TIKTOKEN_FILES["vocab.bpe"]
    (tmp_path / vocab.cache_name(url)).write_bytes(b"x" * size)  # même taille, autre contenu
    status = vocab.available_encodings()
    assert status == {"gpt2": False, "r50k_base": True, "cl100k_base": True, "o200k_base": True}


def test_disabled_cache_is_respected(monkeypatch):
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", "")
    assert vocab.ensure_tiktoken_cache() is None
    assert os.environ["TIKTOKEN_CACHE_DIR"] == ""
    assert not any(vocab.available_encodings().values())


def test_missing_r50k_says_how_to_restore(tmp_path, monkeypatch):
    monkeypatch.setattr(vocab, "R50K_PATH", tmp_path / "absent.tiktoken")
    with pytest.raises(FileNotFoundError, match="git checkout -- data/vocab/r50k_base.tiktoken"):
        vocab.source_bytes()


def test_plain_tiktoken_works_offline_without_importing_llmlab(tmp_path):
    """Un tutoriel tiktoken ordinaire, dans un Python neuf du .venv, sans `import llmlab` :
    le crochet chargé par le .pth du paquet prépare le cache au premier `import tiktoken`."""
    script = OFFLINE_SCRIPT.split("import llmlab, tiktoken")[0] + (
        "import sys\n"
        "before = 'llmlab' in sys.modules\n"
        "import tiktoken\n"
        "enc = tiktoken.get_encoding('gpt2')\n"
        "print(json.dumps({'before': before, 'ids': enc.encode('Hello world'),\n"
        "                  'cache': os.environ.get('TIKTOKEN_CACHE_DIR')}))\n"
    )
    env = {
        k: v for k, v in os.environ.items() if k not in ("TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR")
    }
    env["LLMLAB_CACHE"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["before"] is False  # personne n'a importé llmlab avant tiktoken
    assert out["ids"] == [15496, 995]  # identifiants publiés de GPT-2
    assert out["cache"] == str(tmp_path / "tiktoken")
