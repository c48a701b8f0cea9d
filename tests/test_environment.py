"""Installation : backend Keras, appareil de calcul, commandes `llmlab verifier` et `llmlab noyau`."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from llmlab import environment
from llmlab._paths import ROOT


def run_python(code, env_changes=None, unset=()):
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update(env_changes or {})
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def run_cli(*args, env_changes=None):
    env = dict(os.environ, **(env_changes or {}))
    return subprocess.run(
        [sys.executable, "-m", "llmlab.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_keras_runs_on_torch_without_ever_trying_tensorflow():
    # Sans KERAS_BACKEND et en important keras AVANT llmlab : le .pth du paquet suffit.
    # L'espion ne compte que les vrais `import` ; torch._dynamo se contente de sonder
    # `importlib.util.find_spec("tensorflow")` pour savoir s'il est installé.
    result = run_python(
        """
        import sys
        attempts = []

        class Spy:
            def find_spec(self, name, path=None, target=None):
                caller = sys._getframe(2).f_code.co_name
                if name.split(".")[0] == "tensorflow" and caller == "_find_and_load_unlocked":
                    attempts.append(name)
                return None

        sys.meta_path.insert(0, Spy())
        import numpy as np
        import keras
        model = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(1)])
        model.compile(optimizer="sgd", loss="mse")
        model.fit(np.zeros((4, 1)), np.zeros(4), epochs=1, verbose=0)
        print(keras.backend.backend(), attempts)
    """,
        unset=("KERAS_BACKEND",),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["torch", "[]"]


def test_a_backend_chosen_by_the_user_is_kept():
    result = run_python(
        "import os, llmlab; print(os.environ['KERAS_BACKEND'])",
        env_changes={"KERAS_BACKEND": "jax"},
    )
    assert result.stdout.strip() == "jax"


def test_pick_device_honours_override_and_returns_a_usable_device(monkeypatch):
    import torch

    monkeypatch.setenv("LLMLAB_DEVICE", "cpu")
    assert environment.pick_device() == "cpu"
    monkeypatch.delenv("LLMLAB_DEVICE")
    device = environment.pick_device()
    assert device in {"cuda", "mps", "cpu"}
    assert torch.ones(2, device=device).sum().item() == 2.0


def test_verifier_reports_a_forced_device_the_machine_lacks(monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setenv("LLMLAB_DEVICE", "cuda")
    check = environment.check_device()  # une ligne du rapport, pas une trace
    assert check.status == environment.ERROR
    assert "ne trouve pas de GPU NVIDIA" in check.detail and "LLMLAB_DEVICE" in check.hint


def test_format_report_counts_errors_and_gives_hints():
    checks = [
        environment.Check("A", environment.OK, "bien"),
        environment.Check("B", environment.ERROR, "absent", "faites X"),
        environment.Check("C", environment.WARNING, "pas encore", "faites Y"),
    ]
    report = environment.format_report(checks)
    assert "✗ B" in report and "B : faites X" in report and "C : faites Y" in report
    assert report.endswith("1 problème(s) à corriger avant le TP.")


def verifier_in_process(monkeypatch, capsys, *args, **env):
    """`llmlab verifier` dans le processus des tests : mêmes vérifications que la commande,
    sans réimporter torch et Keras (7 s par sous-processus). La vraie commande, en
    sous-processus, est lancée une fois par `test_verifier_passes_on_a_complete_install`."""
    from llmlab.cli import main

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code = main(["verifier", *args])
    return code, capsys.readouterr().out


def test_noyau_registers_a_kernel_that_verifier_then_finds(tmp_path, monkeypatch, capsys):
    from llmlab.cli import main

    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path))
    assert main(["noyau"]) == 0
    assert "enregistré dans" in capsys.readouterr().out
    spec = json.loads((tmp_path / "kernels" / "llmlab" / "kernel.json").read_text())
    assert spec["argv"][0] == sys.executable
    assert spec["env"] == {"KERAS_BACKEND": "torch"}
    code, report = verifier_in_process(monkeypatch, capsys, "--strict")
    assert code == 0
    assert "✓ Noyau Jupyter" in report
    assert report.rstrip().endswith("Tout est prêt.")


def test_verifier_passes_on_a_complete_install(tmp_path, monkeypatch, capsys):
    # La vraie commande, dans un processus neuf : code de sortie et rapport.
    result = run_cli("verifier", env_changes={"JUPYTER_DATA_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Backend Keras" in result.stdout and "torch" in result.stdout
    assert "Tout est prêt ; 1 remarque(s) ci-dessus." in result.stdout
    assert "Corpus Shakespeare" in result.stdout and "4 796 748 caractères" in result.stdout
    # le noyau absent n'est qu'un avertissement… sauf avec --strict
    code, report = verifier_in_process(
        monkeypatch, capsys, "--strict", JUPYTER_DATA_DIR=str(tmp_path)
    )
    assert code == 1 and "uv run llmlab noyau" in report


def test_llmlab_data_chooses_the_data_folder(tmp_path):
    result = run_python(
        "from llmlab import data; print(data.DATA_DIR)",
        env_changes={"LLMLAB_DATA": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(tmp_path)


def test_verifier_fails_and_names_the_missing_data_file(tmp_path, monkeypatch, capsys):
    from llmlab import data

    monkeypatch.setattr(data, "DATA_DIR", tmp_path)
    code, report = verifier_in_process(monkeypatch, capsys)
    assert code == 1
    assert "✗ Donnée" in report and "fichier absent" in report
    assert "problème(s) à corriger" in report


def test_cli_errors_are_in_french():
    result = run_cli("inconnue")
    assert result.returncode == 2
    assert "choix invalide" in result.stderr and "utilisation :" in result.stderr


def test_corrige_explains_a_wrong_path_and_a_file_that_is_not_a_notebook(tmp_path, capsys):
    from llmlab.cli import main

    out = ["--dossier", str(tmp_path / "corriges")]
    assert main(["corrige", str(tmp_path / "nexiste.ipynb"), *out]) == 1
    assert "fichier introuvable ; donnez le chemin d'un notebook" in capsys.readouterr().err
    notes = tmp_path / "notes.md"
    notes.write_text("# Pas un notebook\n", encoding="utf-8")
    assert main(["corrige", str(notes), *out]) == 1
    assert "ce n'est pas un notebook Jupyter (.ipynb)" in capsys.readouterr().err


def test_entrainer_refuses_an_empty_batch_and_a_zero_rate_before_training(capsys):
    # Avant : --batch-size 0 finissait sur une trace de torch, --lr 0 entraînait 800 pas pour rien.
    from llmlab.cli import main

    assert main(["entrainer", "gru", "--batch-size", "0"]) == 1
    assert "--batch-size doit être un entier ≥ 1 (reçu 0)" in capsys.readouterr().err
    assert main(["entrainer", "gpt", "--lr", "0"]) == 1
    assert "--lr doit être un nombre > 0" in capsys.readouterr().err


def test_a_decimal_comma_gets_a_french_hint(capsys):
    # La faute la plus probable d'un élève : « 0,6 » au lieu de « 0.6 ».
    from llmlab.cli import main

    with pytest.raises(SystemExit) as stop:
        main(["generer", "--temperature", "0,6"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "argument --temperature : nombre invalide : '0,6'" in err
    assert "0.6 et non 0,6" in err
    with pytest.raises(SystemExit):
        main(["entrainer", "gru", "--steps", "abc"])
    err = capsys.readouterr().err
    assert "entier invalide : 'abc'" in err and "0,6" not in err


def test_corrige_writes_every_solved_notebook(tmp_path, capsys):
    import nbformat

    from llmlab.cli import main
    from llmlab.exercises import solutions_path
    from llmlab.exercises.notebooks import EXERCISE_TAG, SOLUTION_MARKER, parse_solutions

    assert main(["corrige", "--dossier", str(tmp_path)]) == 0
    written = sorted(tmp_path.glob("*-corrige.ipynb"))
    originals = sorted(p for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert [p.name for p in written] == [f"{p.stem}-corrige.ipynb" for p in originals]
    for original, solved_path in zip(originals, written):
        solutions = parse_solutions(solutions_path(original).read_text(encoding="utf-8"))
        solved = nbformat.read(solved_path, as_version=4)
        exercises = [c for c in solved.cells if EXERCISE_TAG in c.metadata.get("tags", [])]
        assert exercises and all(
            c.source == f"{SOLUTION_MARKER}\n{solutions[c.id]}" for c in exercises
        )
    assert "✓" in capsys.readouterr().out


def test_corrige_reports_a_notebook_without_solutions(tmp_path, capsys):
    import nbformat

    from llmlab.cli import main

    lonely = tmp_path / "seul.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), lonely)
    assert main(["corrige", str(lonely), "--dossier", str(tmp_path / "out")]) == 1
    assert "Pas de fichier de solutions" in capsys.readouterr().err
