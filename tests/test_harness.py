"""Le harnais lui-même, sur de petits sites fabriqués dans ``tmp_path`` : il doit exécuter ce
que Quarto exécute (et seulement ça), dire précisément d'où vient un échec, couper le réseau,
et repérer un lien cassé ou une page orpheline."""

import os
import signal
import socket
import sys
import textwrap
import threading
import time
from pathlib import Path

import nbformat
import pytest
from pytest_socket import SocketConnectBlockedError

from harness import forkserver, offline, site
from harness.kernel import (
    Cell,
    KernelRunError,
    cell_timeout,
    kernel_env,
    read_dotenv,
    run_cells,
    run_document,
)
from harness.notebooks import run_notebook, stale_outputs
from harness.qmd import QmdError, expand, parse_document

REPO = Path(__file__).resolve().parent.parent
EXTERNAL = "203.0.113.1"  # TEST-NET-3, réservée à la documentation : jamais joignable


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def line_of(path: Path, fragment: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if fragment in line)


@pytest.fixture
def loopback_server():
    """Un serveur TCP sur 127.0.0.1 qui répond « bonjour » à chaque connexion."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(30)

    def serve():
        try:
            while True:
                conn, _ = server.accept()
                with conn:
                    conn.sendall(b"bonjour")
        except OSError:
            pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    server.close()


# --- lecture des .qmd (sans noyau) ----------------------------------------------------------


def test_only_executable_python_chunks_are_kept(tmp_path):
    qmd = write(
        tmp_path,
        "deck.qmd",
        """
        ---
        title: "Essai"
        format: revealjs
        ---

        ## Une diapo

        ```{python}
        a = 1
        ```

        ```{python}
        #| eval: false
        1 / 0
        ```

        ```{python}
        #| error: true
        #| echo: false
        1 / 0
        ```

        ```{.python}
        montre = "non exécuté"
        ```

        ```python
        montre = "non exécuté"
        ```

        ```{ojs}
        x = 1
        ```

        ```{mermaid}
        flowchart LR
          A --> B
        ```

        ````markdown
        ```{python}
        exemple = "dans un bloc qui montre la syntaxe"
        ```
        ````

        ---

        ```{python eval=False}
        1 / 0
        ```

        Le résultat vaut `{python} a + 1` et `{{python}} a` reste du texte.
        """,
    )
    doc = parse_document(qmd, tmp_path)
    got = [(c.start.lineno, c.evaluate, c.allow_error, c.inline) for c in doc.chunks]
    assert got == [
        (line_of(qmd, "a = 1") - 1, True, False, False),
        (line_of(qmd, "#| eval: false") - 1, False, False, False),
        (line_of(qmd, "#| error: true") - 1, True, True, False),
        (line_of(qmd, "{python eval=False}"), False, False, False),
        (line_of(qmd, "Le résultat"), True, False, True),
    ]
    assert doc.chunks[-1].code == "a + 1"
    assert doc.workdir == tmp_path


def test_document_and_project_execute_options(tmp_path):
    write(tmp_path, "_quarto.yml", "project:\n  type: website\nexecute:\n  error: true\n")
    write(tmp_path, "slides/_metadata.yml", "execute:\n  eval: false\n")
    deck = write(
        tmp_path,
        "slides/deck.qmd",
        """
        ---
        title: Essai
        ---

        ```{python}
        sauté = True
        ```

        ```{python}
        #| eval: true
        #| error: false
        lancé = True
        ```
        """,
    )
    page = write(
        tmp_path,
        "page.qmd",
        """
        ---
        title: Page
        execute:
          error: false
          enabled: false
        ---

        ```{python}
        jamais = True
        ```
        """,
    )
    write(tmp_path, "slides/_options.yml", "execute:\n  eval: true\n  error: false\n")
    other = write(
        tmp_path,
        "slides/autre.qmd",
        """
        ---
        title: Autre
        metadata-files: [_options.yml]
        ---

        ```{python}
        lancé = True
        ```
        """,
    )
    chunks = parse_document(deck, tmp_path).chunks
    assert [(c.evaluate, c.allow_error) for c in chunks] == [(False, True), (True, False)]
    assert [(c.evaluate, c.allow_error) for c in parse_document(other, tmp_path).chunks] == [
        (True, False)
    ]
    assert parse_document(page, tmp_path).runnable == []


def test_includes_are_expanded_with_their_origin(tmp_path):
    deck = write(
        tmp_path,
        "slides/deck.qmd",
        """
        ---
        title: Essai
        ---

        {{< include _partie.qmd >}}

        {{{< include _absent_mais_échappé.qmd >}}}

        ```markdown
        {{< include _absent_mais_dans_un_bloc.qmd >}}
        ```
        """,
    )
    part = write(
        tmp_path,
        "slides/_partie.qmd",
        """
        Texte.

        {{< include /communs/_commun.qmd >}}

        ```{python}
        depuis_la_partie = 1
        ```
        """,
    )
    common = write(
        tmp_path,
        "communs/_commun.qmd",
        """
        ```{python}
        depuis_la_racine = 1
        ```
        """,
    )
    doc = parse_document(deck, tmp_path)
    wheres = [c.where(tmp_path) for c in doc.chunks]
    inc_deck, inc_part = line_of(deck, "_partie.qmd"), line_of(part, "_commun.qmd")
    assert wheres == [
        f"chunk communs/_commun.qmd, ligne 1 (inclus depuis slides/_partie.qmd, ligne {inc_part})"
        f" (inclus depuis slides/deck.qmd, ligne {inc_deck})",
        f"chunk slides/_partie.qmd, ligne {line_of(part, '{python}')}"
        f" (inclus depuis slides/deck.qmd, ligne {inc_deck})",
    ]
    assert common.exists()


def test_include_errors_say_where_and_why(tmp_path):
    write(tmp_path, "slides/deck.qmd", "Début\n\n{{< include parts/_a.qmd >}}\n")
    # Quarto résout _b.qmd depuis slides/ (le document principal), pas depuis slides/parts/
    write(tmp_path, "slides/parts/_a.qmd", "{{< include _b.qmd >}}\n")
    write(tmp_path, "slides/parts/_b.qmd", "b\n")
    with pytest.raises(
        QmdError,
        match=r"include introuvable.*slides/parts/_a.qmd, ligne 1"
        r".*cherche slides/_b.qmd",
    ):
        expand(tmp_path / "slides/deck.qmd", tmp_path)
    write(tmp_path, "boucle.qmd", "{{< include _boucle.qmd >}}\n")
    write(tmp_path, "_boucle.qmd", "{{< include boucle.qmd >}}\n")
    with pytest.raises(QmdError, match="include circulaire"):
        expand(tmp_path / "boucle.qmd", tmp_path)


def test_environment_file_and_timeout_setting(tmp_path, monkeypatch):
    write(
        tmp_path,
        "_environment",
        """
        # commentaire
        LLMLAB_LOCAL=projet
        LLMLAB_SHELL=projet
        export LLMLAB_A="avec espaces"   
        LLMLAB_B='simple' 
        LLMLAB_C=nu # commentaire en fin de ligne
        """,  # noqa: W291 (espaces en fin de ligne voulues : le lecteur doit les ignorer)
    )
    write(tmp_path, "_environment.local", "LLMLAB_LOCAL=local\n")
    assert read_dotenv(tmp_path / "_environment") == {
        "LLMLAB_LOCAL": "projet",
        "LLMLAB_SHELL": "projet",
        "LLMLAB_A": "avec espaces",
        "LLMLAB_B": "simple",
        "LLMLAB_C": "nu",
    }
    monkeypatch.setenv("LLMLAB_SHELL", "shell")
    monkeypatch.setenv("LLMLAB_CORRIGE", "1")
    monkeypatch.setenv("MPLBACKEND", "TkAgg")
    monkeypatch.delenv("KERAS_BACKEND")
    env = kernel_env(tmp_path)
    # comme Quarto : le shell gagne, puis _environment.local, puis _environment
    assert (env["LLMLAB_SHELL"], env["LLMLAB_LOCAL"], env["LLMLAB_A"]) == (
        "shell",
        "local",
        "avec espaces",
    )
    assert (env["KERAS_BACKEND"], env["MPLBACKEND"]) == ("torch", "Agg")
    assert "LLMLAB_CORRIGE" not in env
    assert kernel_env(tmp_path, {"LLMLAB_CORRIGE": "1"})["LLMLAB_CORRIGE"] == "1"
    monkeypatch.delenv("LLMLAB_CELL_TIMEOUT", raising=False)
    assert cell_timeout() == 600
    monkeypatch.setenv("LLMLAB_CELL_TIMEOUT", "42")
    assert cell_timeout() == 42


def test_loopback_rule():
    local = [
        None,
        "",
        "localhost",
        "127.0.0.1",
        "127.5.5.5",
        "::1",
        "0.0.0.0",
        "::",
        "::ffff:127.0.0.1",
        b"localhost",
        "LOCALHOST",
    ]
    remote = [EXTERNAL, "8.8.8.8", "example.org", "pypi.org", "2001:db8::1", "192.168.1.10"]
    assert all(offline.is_local_host(h) for h in local)
    assert not any(offline.is_local_host(h) for h in remote)


# --- exécution dans un noyau ----------------------------------------------------------------


@pytest.mark.slow
def test_qmd_runs_in_one_kernel_like_quarto(tmp_path, monkeypatch):
    monkeypatch.setenv("LLMLAB_CORRIGE", "1")  # ne doit pas fuir dans le noyau
    write(tmp_path, "_environment", "LLMLAB_ESSAI=42\n")
    write(tmp_path, "slides/donnees.txt", "lu depuis le dossier du .qmd")
    deck = write(
        tmp_path,
        "slides/deck.qmd",
        """
        ---
        title: Essai
        ---

        ```{python}
        import os, sys
        etat = open("donnees.txt").read()
        print("ENV", os.environ["KERAS_BACKEND"], os.environ["MPLBACKEND"],
              os.environ["LLMLAB_ESSAI"], os.environ.get("LLMLAB_CORRIGE"))
        print("EXE", sys.executable)
        ```

        ```{python}
        #| eval: false
        raise SystemExit("ce chunk ne doit pas tourner")
        ```

        ```{python}
        #| error: true
        1 / 0
        ```

        ```{python}
        print("ETAT", etat)
        ojs_define(longueur=len(etat), mots=etat.split()[:2])
        ```

        ```{python}
        #| error: true
        import numpy as np
        ojs_define(tableau=np.zeros(2))  # Quarto refuse : pas sérialisable en JSON
        ```

        La valeur est `{python} len(etat)`.
        """,
    )
    doc = parse_document(deck, tmp_path)
    cells = run_document(doc)
    text = "".join(o.get("text", "") for c in cells for o in c.outputs)
    assert "ENV torch Agg 42 None" in text
    assert f"EXE {sys.executable}" in text
    assert "ETAT lu depuis le dossier du .qmd" in text  # même noyau, cwd = slides/
    errors = [[o["ename"] for o in c.outputs if o["output_type"] == "error"] for c in cells]
    assert errors == [[], ["ZeroDivisionError"], [], ["TypeError"], []]
    html = [o["data"]["text/html"] for o in cells[2].outputs if o["output_type"] == "display_data"]
    assert html == [
        '<script type="ojs-define">{"contents": [{"name": "longueur", "value": 28}, '
        '{"name": "mots", "value": ["lu", "depuis"]}]}</script>'
    ]


@pytest.mark.slow
def test_failure_names_file_line_code_and_trace(tmp_path):
    deck = write(
        tmp_path,
        "slides/deck.qmd",
        """
        ---
        title: Essai
        ---

        ```{python}
        x = 2
        ```

        {{< include _calcul.qmd >}}

        ```{python}
        print("jamais atteint")
        ```
        """,
    )
    part = write(
        tmp_path,
        "slides/_calcul.qmd",
        """
        ## Calcul

        ```{python}
        print("avant la panne")
        y = x / (x - 2)
        ```
        """,
    )
    with pytest.raises(KernelRunError) as info:
        run_document(parse_document(deck, tmp_path))
    message = str(info.value)
    assert message.startswith(
        "slides/deck.qmd : échec, chunk slides/_calcul.qmd, ligne "
        f"{line_of(part, '{python}')} (inclus depuis slides/deck.qmd, "
        f"ligne {line_of(deck, 'include')})"
    )
    assert f"{line_of(part, 'y = x'):>5} | y = x / (x - 2)" in message
    assert "avant la panne" in message
    assert "ZeroDivisionError" in message and "\x1b[" not in message
    assert "jamais atteint" not in message


@pytest.mark.slow
def test_cell_timeout_is_configurable(tmp_path, monkeypatch):
    monkeypatch.setenv("LLMLAB_CELL_TIMEOUT", "2")
    deck = write(tmp_path, "lent.qmd", "```{python}\nimport time\ntime.sleep(60)\n```\n")
    with pytest.raises(KernelRunError, match=r"dépasse 2 s .*LLMLAB_CELL_TIMEOUT"):
        run_document(parse_document(deck, tmp_path))


# --- noyaux clonés du zygote (harness/forkserver.py) ----------------------------------------

KERNEL_FACTS = (
    "import os, sys\n"
    "print(os.getpid(), os.getppid(), 'torch' in sys.modules, 'np' in dir(), os.getcwd(), "
    "os.environ.get('LLMLAB_ESSAI'), sys.path.count(''))"
)


def kernel_facts(tmp_path, **extra) -> list[str]:
    env = kernel_env(REPO, {"LLMLAB_ESSAI": "oui", **extra})
    cells = run_cells([Cell(KERNEL_FACTS, "faits")], cwd=tmp_path, env=env, title="faits")
    return "".join(out.get("text", "") for out in cells[-1].outputs).split()


@pytest.mark.skipif(not forkserver.enabled(), reason="noyaux clonés désactivés ou hors Linux")
def test_kernels_are_forked_from_one_zygote_yet_start_from_a_fresh_namespace(tmp_path):
    first, second = kernel_facts(tmp_path), kernel_facts(tmp_path)
    if forkserver._zygote is not None and forkserver._zygote.refusal:
        # sans pytest-xdist, OMP_NUM_THREADS n'est pas fixé à 1 : torch et OpenBLAS lancent
        # des fils dès l'import, et le zygote refuse de se cloner (repli : noyaux neufs)
        pytest.skip(forkserver._zygote.refusal)
    assert first[0] != second[0]  # un processus par noyau
    # tous deux enfants du même zygote
    assert first[1] == second[1] != str(os.getpid()), forkserver.last_fallback
    # torch est déjà importé (c'est le gain), mais l'espace de noms est neuf ; le dossier de
    # travail, l'environnement et sys.path sont ceux demandés, comme pour un noyau lancé à neuf
    assert first[2:] == ["True", "False", str(tmp_path), "oui", "1"]


def test_a_kernel_that_needs_another_keras_backend_is_started_fresh(tmp_path):
    facts = kernel_facts(tmp_path, KERAS_BACKEND="jax")
    assert facts[1] == str(os.getpid())  # enfant direct du processus de test
    assert facts[2:] == ["False", "False", str(tmp_path), "oui", "1"]


@pytest.mark.skipif(sys.platform != "linux", reason="fork : Linux seulement")
def test_kernels_of_a_dead_zygote_do_not_outlive_it(tmp_path):
    from jupyter_client.connect import write_connection_file

    env = kernel_env(REPO)
    zygote = forkserver.Zygote(env, preload=("json",))  # léger : rien de lourd à importer
    connection, _ = write_connection_file(str(tmp_path / "noyau.json"))
    kernel = zygote.fork([sys.executable, "-f", connection], env, str(tmp_path))
    try:
        time.sleep(1)
        assert kernel.poll() is None
        zygote.process.kill()  # le processus de test meurt : son zygote aussi
        zygote.process.wait()
        deadline = time.monotonic() + 15
        while kernel.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert kernel.poll() is not None, "noyau orphelin : il survit à son zygote"
    finally:
        if kernel.poll() is None:
            os.kill(kernel.pid, signal.SIGKILL)
        zygote.close()
    # Zygote mort ou non, close() ferme les deux tubes (pas de fichier ouvert en quittant).
    assert zygote.process.stdin.closed and zygote.process.stdout.closed


def test_the_kernel_summary_counts_and_gives_the_reasons():
    workers = [
        {"clonés": 20, "à neuf": 1, "raisons": ["environnement différent : KERAS_BACKEND"]},
        {"clonés": 21, "à neuf": 0, "raisons": []},
    ]
    assert forkserver.summary(workers) == (
        "noyaux Jupyter : 41 clonés du zygote, 1 lancé à neuf "
        "(environnement différent : KERAS_BACKEND)"
    )


def test_a_kernel_that_dies_is_reported_as_dead(tmp_path):
    deck = write(
        tmp_path,
        "mort.qmd",
        "```{python}\nimport os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n```\n",
    )
    with pytest.raises(KernelRunError, match="le noyau est mort"):
        run_document(parse_document(deck, tmp_path))


# --- réseau ---------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:A test tried to use socket")
def test_network_blocked_in_pytest_but_loopback_works(loopback_server):
    with pytest.raises(SocketConnectBlockedError):
        socket.create_connection((EXTERNAL, 80), timeout=2)
    with socket.create_connection(("127.0.0.1", loopback_server), timeout=5) as conn:
        assert conn.recv(16) == b"bonjour"


@pytest.mark.slow
def test_network_blocked_in_kernel_but_loopback_works(tmp_path, loopback_server):
    deck = write(
        tmp_path,
        "reseau.qmd",
        f'''
        ```{{python}}
        import socket, urllib.request

        def refus(essai):
            try:
                essai()
            except OSError as e:
                return str(e)
            return "PASSÉ"

        print("A", refus(lambda: socket.create_connection(("{EXTERNAL}", 80), timeout=2)))
        print("B", refus(lambda: socket.socket().connect(("{EXTERNAL}", 443))))
        print("C", refus(lambda: socket.socket().connect_ex(("{EXTERNAL}", 443))))
        print("D", refus(lambda: socket.getaddrinfo("example.org", 443)))
        print("E", refus(lambda: urllib.request.urlopen("http://{EXTERNAL}/", timeout=2)))
        with socket.create_connection(("localhost", {loopback_server}), timeout=5) as c:
            print("F", c.recv(16).decode())
        with socket.socket() as s:
            s.connect(("127.0.0.1", {loopback_server}))
            print("G", s.recv(16).decode())
        ```
        ''',
    )
    cells = run_document(parse_document(deck, tmp_path))
    lines = dict(line.split(" ", 1) for line in cells[0].outputs[0]["text"].splitlines())
    for key in "ABCDE":
        assert offline.PREFIX in lines[key], (key, lines[key])
    assert EXTERNAL in lines["A"] and "example.org" in lines["D"]
    assert lines["F"] == lines["G"] == "bonjour"


# --- notebooks ------------------------------------------------------------------------------


def _notebook(answer_source: str):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# TP d'essai"),
        nbformat.v4.new_code_cell(
            "import os\nmode = os.environ.get('LLMLAB_CORRIGE')\nprint('MODE', mode)"
        ),
        nbformat.v4.new_code_cell(answer_source, metadata={"tags": ["exercice"]}),
        # comme les vérificateurs de llmlab : un verdict, qui devient une erreur en mode corrigé
        nbformat.v4.new_code_cell(
            "verdict = 'à compléter' if reponse is ... else "
            "'bravo' if reponse == 42 else 'réponse fausse : ' + repr(reponse)\n"
            "if mode == '1' and verdict != 'bravo':\n    raise AssertionError(verdict)\n"
            "print(verdict)"
        ),
    ]
    return nb


@pytest.mark.slow
def test_blank_and_solved_notebooks(tmp_path):
    path = tmp_path / "notebooks" / "tp.ipynb"
    path.parent.mkdir()
    blank = _notebook("reponse = ...  # à compléter")
    nbformat.write(blank, path)
    cells = run_notebook(blank, path, tmp_path, solved=False)
    assert "MODE None" in cells[0].outputs[0]["text"]
    assert "à compléter" in cells[2].outputs[0]["text"]
    with pytest.raises(KernelRunError) as info:
        run_notebook(_notebook("reponse = 41"), path, tmp_path, solved=True)
    message = str(info.value)
    assert message.startswith("notebooks/tp.ipynb (version corrigée) : échec, cellule n° 4")
    assert "AssertionError: réponse fausse : 41" in message  # levée seulement si LLMLAB_CORRIGE=1


def test_committed_outputs_are_detected():
    nb = _notebook("reponse = 42")
    assert stale_outputs(nb) == []
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", text="MODE None\n")]
    nb.cells[1].execution_count = 3
    nb.cells[3].execution_count = 4
    assert stale_outputs(nb) == [
        f"cellule n° 2 (id {nb.cells[1].id}) : 1 sortie(s)",
        f"cellule n° 2 (id {nb.cells[1].id}) : execution_count = 3",
        f"cellule n° 4 (id {nb.cells[3].id}) : execution_count = 4",
    ]


# --- structure du site ----------------------------------------------------------------------


def _site(tmp_path):
    write(
        tmp_path,
        "_quarto.yml",
        """
        project:
          type: website
        lang: fr
        website:
          title: Essai
          favicon: images/favicon.png
          navbar:
            logo: images/logo-absent.png
            left:
              - index.qmd
              - text: Diapositives
                menu:
                  - href: slides/a.qmd
                    text: A
                  - text: "---"
                  - href: https://quarto.org
              - cours.qmd
          sidebar:
            - id: tp
              contents:
                - section: TP
                  contents:
                    - notebooks/tp1.ipynb
        format:
          html:
            theme: [cosmo, styles/site.scss]
            css: styles/absent.css
        """,
    )
    for name in ("images/favicon.png", "images/photo.png", "styles/site.scss"):
        write(tmp_path, name, "x")
    write(
        tmp_path,
        "index.qmd",
        """
        ---
        title: Accueil
        ---

        Voir [la diapo B](slides/b.html#intro), [le site](https://example.org), [ici](#haut),
        [écrire](mailto:prof@example.org), ![photo](images/photo.png) et <img src="images/absente.png">.

        [TP 3][tp3] et [cassé](slides/nulle-part.qmd).

        [tp3]: notebooks/tp3.ipynb

        <!-- [commenté](commentaire-absent.qmd) -->
        `[en ligne](code-absent.qmd)`

        ```markdown
        [dans un bloc](bloc-absent.qmd)
        ```
        """,
    )
    write(
        tmp_path,
        "cours.qmd",
        """
        ---
        title: Cours
        listing:
          contents:
            - "slides/d*.qmd"
            - "!slides/d2.qmd"
        ---
        """,
    )
    for name in ("a", "b", "c", "d1", "d2"):
        write(tmp_path, f"slides/{name}.qmd", f"---\ntitle: {name}\n---\n\nDiapo {name}.\n")
    write(
        tmp_path,
        "slides/b.qmd",
        """
        ---
        title: B
        metadata-files: [_deck.yml]
        ---

        ## Titre {background-image="fond-absent.jpg"}

        {{< include _partie.qmd >}}
        """,
    )
    write(tmp_path, "slides/_partie.qmd", "![schéma](../images/photo.png)\n")
    write(
        tmp_path,
        "slides/_deck.yml",
        "format:\n  revealjs:\n    theme: [default, ../styles/deck.scss]\n",
    )
    write(tmp_path, "slides/_orpheline.qmd", "Partiel jamais rendu seul.\n")
    for name in ("tp1", "tp2", "tp3", "corriges/tp1", ".ipynb_checkpoints/tp1-checkpoint"):
        path = tmp_path / "notebooks" / f"{name}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_markdown_cell("Retour à [l'accueil](../index.qmd).")]
        nbformat.write(nb, path)
    write(tmp_path, "_site/slides/x.qmd", "généré\n")
    return tmp_path


def test_inventory_skips_partials_generated_and_corrections(tmp_path):
    root = _site(tmp_path)
    names = [p.relative_to(root).as_posix() for p in site.site_documents(root)]
    assert names == [
        "cours.qmd",
        "index.qmd",
        "slides/a.qmd",
        "slides/b.qmd",
        "slides/c.qmd",
        "slides/d1.qmd",
        "slides/d2.qmd",
    ]
    assert [p.relative_to(root).as_posix() for p in site.notebooks(root)] == [
        "notebooks/tp1.ipynb",
        "notebooks/tp2.ipynb",
        "notebooks/tp3.ipynb",
    ]


def test_render_list_limits_the_documents(tmp_path):
    write(
        tmp_path,
        "_quarto.yml",
        """
        project:
          type: website
          render:
            - index.qmd
            - slides/*.qmd
            - "!slides/brouillon.qmd"
            - "!slides/vieux/"
        """,
    )
    for name in (
        "index.qmd",
        "slides/a.qmd",
        "slides/brouillon.qmd",
        "slides/vieux/v.qmd",
        "notes/hors-liste.qmd",
    ):
        write(tmp_path, name, "Texte.\n")
    assert [p.relative_to(tmp_path).as_posix() for p in site.site_documents(tmp_path)] == [
        "index.qmd",
        "slides/a.qmd",
    ]


def test_orphan_pages_and_unused_partials_are_detected(tmp_path):
    root = _site(tmp_path)
    assert [p.relative_to(root).as_posix() for p in site.orphans(root)] == [
        "slides/c.qmd",
        "slides/d2.qmd",
        "notebooks/tp2.ipynb",
    ]
    assert [p.relative_to(root).as_posix() for p in site.unused_partials(root)] == [
        "slides/_orpheline.qmd"
    ]


def test_broken_links_and_images_are_detected(tmp_path):
    root = _site(tmp_path)
    problems = site.broken_links(root)
    assert sorted(problems) == sorted(
        [
            "_quarto.yml (logo) : « images/logo-absent.png » introuvable (images/logo-absent.png)",
            "_quarto.yml (css) : « styles/absent.css » introuvable (styles/absent.css)",
            "index.qmd, ligne 6 : « images/absente.png » introuvable (images/absente.png)",
            "index.qmd, ligne 8 : « slides/nulle-part.qmd » introuvable (slides/nulle-part.qmd)",
            "slides/b.qmd, ligne 6 : « fond-absent.jpg » introuvable (slides/fond-absent.jpg)",
            "slides/_deck.yml (theme) : « ../styles/deck.scss » introuvable (styles/deck.scss)",
        ]
    )


def test_config_problems_are_reported():
    assert site.config_problems({"project": {"type": "website"}, "lang": "fr", "website": {}}) == []
    problems = site.config_problems({"project": {"type": "default"}, "lang": "en"})
    assert len(problems) == 3 and "website" in problems[0] and "lang: fr" in problems[1]


@pytest.mark.slow
def test_html_results_are_found_and_the_asis_route_is_not(tmp_path):
    from harness.outputs import widget_outputs

    deck = write(
        tmp_path,
        "deck.qmd",
        """
        ---
        title: Essai
        ---

        ```{python}
        from IPython.display import HTML, Markdown
        Markdown("**gras**")
        ```

        ```{python}
        HTML("<b>x</b>")
        ```

        ```{python}
        #| output: asis
        from llmlab.display import print_html
        print_html("<b>x</b>")
        ```

        ```{python}
        ojs_define(a=1)  # celui de Quarto : un résultat text/html
        ```
        """,
    )
    doc = parse_document(deck, tmp_path)
    found = widget_outputs(doc, run_document(doc))
    assert found == ["deck.qmd, ligne 10 : text/html", "deck.qmd, ligne 20 : text/html"]


@pytest.mark.slow
def test_decimal_point_ticks_are_reported_and_french_ticks_are_not(tmp_path):
    from harness.outputs import decimal_point_ticks

    deck = write(
        tmp_path,
        "deck.qmd",
        """
        ---
        title: Essai
        ---

        ```{python}
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots()
        ax.plot([0, 1], [0, 0.5])
        ax.set_ylabel("probabilité");
        ```

        ```{python}
        from llmlab.display import french_ticks
        fig, ax = plt.subplots()
        image = ax.imshow([[0.0, 0.5], [0.25, 1.0]])
        french_ticks(ax)
        french_ticks(fig.colorbar(image, ax=ax));
        ```

        ```{python}
        fig, ax = plt.subplots()
        image = ax.imshow([[0.0, 0.5], [0.25, 1.0]])
        french_ticks(ax)
        fig.colorbar(image, ax=ax);   # la barre de couleur oubliée
        ```
        """,
    )
    doc = parse_document(deck, tmp_path)
    cells = run_document(doc)
    found = decimal_point_ticks(cells, lambda i, _: doc.runnable[i].start.where(doc.root))
    assert len(found) == 3, found
    assert found[0].startswith("deck.qmd, ligne 5 : axe x de") and "0.2" in found[0]
    assert found[1].startswith("deck.qmd, ligne 5 : axe y de « probabilité »")
    assert found[2].startswith("deck.qmd, ligne 20 : axe y de « <colorbar> »")
    # rien d'autre ne sort de ce contrôle : le PNG de chaque figure reste la seule image
    assert [sum("image/png" in o.get("data", {}) for o in c["outputs"]) for c in cells] == [1, 1, 1]


@pytest.mark.slow
def test_figures_without_alt_text_are_reported(tmp_path):
    from harness.outputs import figures_without_alt

    deck = write(
        tmp_path,
        "deck.qmd",
        """
        ---
        title: Essai
        ---

        ```{python}
        import matplotlib.pyplot as plt
        plt.plot([0, 1], [0, 1]);
        ```

        ```{python}
        #| fig-alt: "Une droite qui monte de gauche à droite."
        plt.plot([0, 1], [0, 1]);
        ```

        ```{python}
        #| fig-alt: " "
        plt.plot([0, 1], [1, 0]);
        ```

        ```{python}
        #| fig-alt: ["Une droite qui monte."]
        for pente in (1, -1):
            plt.plot([0, 1], [0, pente])
            plt.show()
        ```

        ```{python}
        #| output: false
        plt.plot([0, 1], [0, 1]);
        ```

        ```{python}
        print("pas de figure, pas de texte alternatif à écrire")
        ```
        """,
    )
    doc = parse_document(deck, tmp_path)
    found = figures_without_alt(doc, run_document(doc))
    assert found == [
        "deck.qmd, ligne 5 : 1 image(s) sans fig-alt",
        "deck.qmd, ligne 15 : fig-alt vide",
        "deck.qmd, ligne 20 : 2 images pour une liste de 1 fig-alt",
    ]


# --- les groupes de pytest-xdist ----------------------------------------------------------


@pytest.fixture(scope="module")
def shared_in_this_file():
    """Une fixture de module : conftest.py groupe les tests qui la lisent par fichier."""
    return "test_harness.py"


def test_xdist_groups_reach_the_scheduler(request, shared_in_this_file):
    """Sous ``-n auto --dist loadgroup`` (la suite par défaut), la marque posée par conftest.py
    arrive jusqu'à l'ordonnanceur de pytest-xdist, qui la lit dans l'identifiant du test
    (suffixe ``@groupe``). Sans elle, chaque deck serait exécuté une fois par processus qui
    reçoit un de ses tests (pytest 9.2 + xdist 3.8 : voir pyproject.toml)."""
    import os

    if not os.environ.get("PYTEST_XDIST_WORKER") or not request.config.getvalue("loadgroup"):
        pytest.skip("suite lancée sans pytest-xdist (-n 0) : pas de groupes à vérifier")
    assert request.node.nodeid.endswith("@" + shared_in_this_file)
