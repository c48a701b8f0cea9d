"""Données hors ligne : Boston comme Keras, corpus, Shakespeare, Gutenberg, vérification."""

import hashlib
import http.server
import importlib.util
import socket
import sys
import threading
import types
from pathlib import Path

import numpy as np
import pytest

from llmlab import data

# --- Boston Housing ---------------------------------------------------------------------------

# Les deux quartiers imprimés par le deck (seed 000), arrondis à 3 décimales.
SEED_ROWS = [
    [1.232, 0.0, 8.14, 0.0, 0.538, 6.142, 91.7, 3.977, 4.0, 307.0, 21.0, 396.9, 18.72],
    [0.022, 82.5, 2.03, 0.0, 0.415, 7.61, 15.7, 6.27, 2.0, 348.0, 14.7, 395.38, 3.11],
]


def test_boston_reproduces_the_deck_output():
    (x_train, y_train), (x_test, y_test) = data.load_boston_housing()
    assert x_train.shape == (404, 13) and x_test.shape == (102, 13)
    assert y_train.shape == (404,) and y_test.shape == (102,)
    assert x_train.dtype == y_train.dtype == np.float64
    assert f"{y_train.min():.1f} {y_train.max():.1f} {y_train.mean():.1f}" == "5.0 50.0 22.4"
    np.testing.assert_array_equal(np.round(x_train[:2], 3), SEED_ROWS)


def keras_boston_module(monkeypatch):
    """Le module ``boston_housing.py`` de Keras, exécuté tel quel.

    Si Keras est déjà importé, on prend le vrai module ; sinon on exécute le même fichier
    source en remplaçant ses deux imports internes (importer Keras et torch prend ~15 s).
    """
    if "keras" in sys.modules:
        from keras.src.datasets import boston_housing

        return boston_housing
    spec = importlib.util.find_spec("keras")
    source = Path(spec.origin).parent / "src" / "datasets" / "boston_housing.py"
    stub_export = types.ModuleType("keras.src.api_export")
    stub_export.keras_export = lambda *names: lambda f: f
    stub_files = types.ModuleType("keras.src.utils.file_utils")
    stub_files.get_file = None
    monkeypatch.setitem(sys.modules, "keras.src.api_export", stub_export)
    monkeypatch.setitem(sys.modules, "keras.src.utils.file_utils", stub_files)
    module_spec = importlib.util.spec_from_file_location("keras_boston_under_test", source)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("test_split, seed", [(0.2, 113), (0.1, 7), (0.33, 0)])
def test_boston_identical_to_keras_code(tmp_path, monkeypatch, test_split, seed):
    x, y = data.load_boston_raw()
    npz = tmp_path / "boston_housing.npz"
    np.savez(npz, x=x, y=y)
    keras_boston = keras_boston_module(monkeypatch)
    asked = {}

    def fake_get_file(fname, origin, file_hash=None, **kwargs):
        asked["origin"] = origin
        return str(npz)

    monkeypatch.setattr(keras_boston, "get_file", fake_get_file)
    theirs = keras_boston.load_data(test_split=test_split, seed=seed)
    ours = data.load_boston_housing(test_split=test_split, seed=seed)
    assert asked["origin"].endswith("boston_housing.npz")
    for their_part, our_part in zip(theirs, ours):  # (train, test)
        for their_array, our_array in zip(their_part, our_part):  # (x, y)
            assert np.array_equal(their_array, our_array)
            assert their_array.dtype == our_array.dtype


def test_boston_features_and_dataframe():
    assert len(data.BOSTON_FEATURES) == 13 and data.BOSTON_FEATURES[5] == "RM"
    assert set(data.BOSTON_DESCRIPTIONS) == set(data.BOSTON_FEATURES) | {"MEDV"}
    frame = data.boston_dataframe()
    assert frame.shape == (506, 14)
    assert frame["MEDV"].max() == 50.0 and frame["CHAS"].isin([0, 1]).all()


def test_boston_rejects_bad_split():
    with pytest.raises(ValueError, match="test_split"):
        data.load_boston_housing(test_split=1.0)


# --- Fichiers de data/ ------------------------------------------------------------------------


def test_data_files_present_and_intact():
    entries = data.data_files()
    assert {e.name for e in entries} == set(data.DATA_FILES)
    for entry in entries:
        assert entry.present and entry.checksum_ok, entry
        assert entry.sha256 == hashlib.sha256(entry.path.read_bytes()).hexdigest()


def test_missing_data_file_names_it_and_says_how_to_restore(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "DATA_DIR", tmp_path)
    with pytest.raises(FileNotFoundError) as info:
        data.load_boston_housing()
    message = str(info.value)
    assert "boston_housing.csv" in message
    assert "git checkout -- data/boston_housing.csv" in message
    assert "scripts/build_data.py" in message
    missing = {e.name: e for e in data.data_files()}["corpus_fr.txt"]
    assert not missing.present and not missing.checksum_ok
    assert "git checkout -- data/corpus_fr.txt" in missing.restore_hint


# --- Corpus -----------------------------------------------------------------------------------


def test_french_corpus_has_next_word_statistics():
    text = data.load_french_corpus()
    assert 300 <= text.count("\n") <= 600
    after = [
        line.split()[2].strip(",") for line in text.splitlines() if line.startswith("Bonjour mon ")
    ]
    assert after.count("cœur") > after.count("ami") > after.count("trésor") > 1


def test_load_corpus_normalises_bom_and_line_endings(tmp_path):
    path = tmp_path / "windows.txt"
    path.write_bytes("\ufeffLigne un\r\nLigne deux\r\n".encode())
    assert data.load_corpus(path) == "Ligne un\nLigne deux\n"


def test_load_corpus_missing_file(tmp_path):
    with pytest.raises(data.MissingDataError, match="introuvable.*absent.txt"):
        data.load_corpus(tmp_path / "absent.txt")
    with pytest.raises(FileNotFoundError):
        data.load_corpus(tmp_path / "absent.txt")


def test_load_corpus_empty_file(tmp_path):
    (tmp_path / "vide.txt").write_text("  \n\n")
    with pytest.raises(data.CorpusError, match="vide.txt est vide"):
        data.load_corpus(tmp_path / "vide.txt")


def test_load_corpus_not_utf8(tmp_path):
    (tmp_path / "latin1.txt").write_bytes("Très bien, à bientôt".encode("latin-1"))
    with pytest.raises(data.CorpusError, match="latin1.txt n'est pas en UTF-8") as info:
        data.load_corpus(tmp_path / "latin1.txt")
    assert isinstance(info.value, ValueError)


def test_load_corpus_directory(tmp_path):
    with pytest.raises(data.CorpusError, match="dossier"):
        data.load_corpus(tmp_path)


# --- Shakespeare ------------------------------------------------------------------------------


def test_shakespeare_converted_verified_and_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("LLMLAB_CACHE", str(tmp_path))
    text = data.load_shakespeare()
    assert hashlib.sha256(text.encode()).hexdigest() == data.SHAKESPEARE_SHA256
    assert (tmp_path / "shakespeare.txt").read_text(encoding="utf-8") == text
    assert len(data.shakespeare_plays()) == 38
    assert "HAMLET:\nTo be, or not to be: that is the question:\n" in text
    assert not any(mark in text for mark in "*_#\\")  # plus de Markdown
    assert data.load_shakespeare() == text  # relu depuis le cache


def test_shakespeare_single_play_and_unknown_name():
    hamlet = data.load_shakespeare("hamlet")
    assert hamlet.startswith("Hamlet\n\nACT I\n\nSCENE I. Elsinore.")
    assert "BERNARDO:\nWho's there?\n" in hamlet
    with pytest.raises(data.MissingDataError, match="hamlet"):
        data.load_shakespeare("hamlett")


def test_play_to_text_rules():
    markdown = (
        "# Titre\n\n## ACT I\n\n_Enter A and B_\n\n**A**  \nUn vers,  \n"
        "_\\[Aside]_ deux.\n\n_Exit B_\n\nsuite de A.\n\n**B**  \nFin.\n"
    )
    assert data.play_to_text(markdown) == (
        "Titre\n\nACT I\n\nA:\nUn vers,\n[Aside] deux.\nsuite de A.\n\nB:\nFin.\n"
    )


# --- Gutenberg : serveur HTTP local -----------------------------------------------------------

BOOK = (
    b"The Project Gutenberg eBook\n*** START OF THE PROJECT GUTENBERG EBOOK 800 ***\n"
    b"Le tour du monde en quatre-vingts jours\nPhileas Fogg parie vingt mille livres.\n"
    b"*** END OF THE PROJECT GUTENBERG EBOOK 800 ***\nLicence\n"
)
BOOK_SHA256 = hashlib.sha256(BOOK).hexdigest()


@pytest.fixture
def server():
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path != "/pg800.txt":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(BOOK)))
            self.end_headers()
            self.wfile.write(BOOK)

        def log_message(self, *args):
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.enable_socket
def test_download_with_right_hash(server, tmp_path):
    dest = tmp_path / "livre.txt"
    path = data.download_gutenberg(url=f"{server}/pg800.txt", dest=dest, sha256=BOOK_SHA256)
    assert path == dest and dest.read_bytes() == BOOK
    assert list(tmp_path.iterdir()) == [dest]  # aucun fichier temporaire oublié
    text = data.strip_gutenberg(data.load_corpus(dest))
    assert text == (
        "Le tour du monde en quatre-vingts jours\nPhileas Fogg parie vingt mille livres.\n"
    )


@pytest.mark.enable_socket
def test_download_without_hash_prints_it(server, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LLMLAB_CACHE", str(tmp_path))
    path = data.download_gutenberg(800, url=f"{server}/pg800.txt")
    assert path == tmp_path / "gutenberg" / "pg800.txt"
    assert BOOK_SHA256 in capsys.readouterr().out


@pytest.mark.enable_socket
def test_download_with_wrong_hash_keeps_nothing(server, tmp_path):
    dest = tmp_path / "livre.txt"
    with pytest.raises(data.DataError, match="Empreinte inattendue"):
        data.download_gutenberg(url=f"{server}/pg800.txt", dest=dest, sha256="0" * 64)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.enable_socket
def test_download_http_error(server, tmp_path):
    with pytest.raises(data.DataError, match="erreur HTTP 404"):
        data.download_gutenberg(url=f"{server}/inconnu.txt", dest=tmp_path / "x.txt")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.enable_socket
def test_download_unreachable_server(tmp_path):
    with socket.socket() as s:  # un port libre, puis refermé : personne n'écoute
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(data.DataError, match="Téléchargement impossible.*connecté"):
        data.download_gutenberg(
            url=f"http://127.0.0.1:{port}/pg800.txt", dest=tmp_path / "x.txt", timeout=5
        )
    assert list(tmp_path.iterdir()) == []
