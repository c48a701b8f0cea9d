"""La commande `llmlab entrainer` : entraîner un GRU, un mini-GPT ou une échelle de GPT.

Séparée de `llmlab.cli` (qui garde l'analyse des arguments et les autres commandes) pour que
chaque fichier se lise d'une traite : ici les réglages par défaut des modèles livrés, le choix
du corpus et du tokenizer, la reprise d'un checkpoint, l'échelle des lois d'échelle.

Taille : un tiers du fichier déclare les options, en français, des trois sous-commandes
(`_common_train_args`, `add_train_parser`) ; elles partagent leurs réglages et la même
boucle (`_train_model`), qu'on lit mieux au même endroit.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from llmlab.display import french_general, french_number

#: Configuration par défaut du GRU : environ une minute sur un processeur à 2 cœurs.
GRU_DEFAULTS = {
    "steps": 800,
    "batch_size": 32,
    "block_size": 64,
    "lr": 3e-3,
    "n_embd": 64,
    "n_hidden": 256,
    "n_layers": 1,
    "seed": 1337,
}

#: Configuration par défaut du mini-GPT : le modèle de nanoGPT « sur un portable »
#: (4 couches, 4 têtes, 128 dimensions, contexte 64, lots de 12, 2 000 pas), entraîné avec
#: le planning du cours « Entraîner un LLM » : 100 pas d'échauffement jusqu'à 2e-3, puis un
#: cosinus jusqu'à 2e-4. À calcul égal, il finit à 1,782 de validation contre 1,869 pour le
#: taux maximal de nanoGPT, 1e-3, gardé constant (``--planning constant --lr 1e-3``).
GPT_DEFAULTS = {
    "steps": 2000,
    "batch_size": 12,
    "block_size": 64,
    "lr": 2e-3,
    "planning": "cosinus",
    "echauffement_part": 0.05,  # 5 % des pas : 100 sur 2 000
    "n_embd": 128,
    "n_head": 4,
    "n_layer": 4,
    "dropout": 0.0,
    "seed": 1337,
}


def _fail(message) -> int:
    print(f"Erreur : {message}", file=sys.stderr)
    return 1


#: Bornes de --vocab-size : 256 octets + au moins une fusion ; au-delà du
#: maximum, le BPE en Python pur devient long et le modèle surtout fait
#: d'embeddings.
BPE_VOCAB_MIN, BPE_VOCAB_MAX, BPE_VOCAB_DEFAULT = 257, 16384, 512


def _start_text(tokenizer) -> str:
    """Le début par défaut d'une génération : un saut de ligne s'il est connu
    (toujours pour un BPE au niveau des octets), sinon le premier caractère."""
    try:
        tokenizer.encode("\n")
    except ValueError:
        return tokenizer.chars[0]
    return "\n"


def _load_text(args):
    """(texte, nom du corpus) : --corpus, sinon les pièces de Shakespeare."""
    from llmlab import data as D

    if args.corpus:
        return D.load_corpus(args.corpus), Path(args.corpus).name
    return D.load_shakespeare(), "shakespeare"


def _make_tokenizer(args, text: str):
    """(tokenizer, données, lignes à afficher) : caractères, ou BPE du cours
    appris sur la partie entraînement seulement (la validation n'y fuit pas)."""
    import time

    from llmlab.tokenizers import BPETokenizer, CharTokenizer
    from llmlab.training import TokenData, split_text

    if getattr(args, "tokenizer", "car") == "car":
        tokenizer = CharTokenizer.train(text)
        data = TokenData.from_split_text(text, tokenizer, args.block_size)
        return tokenizer, data, [], {}
    train_text, _ = split_text(text)
    t0 = time.perf_counter()
    tokenizer = BPETokenizer(name="bpe-gpt").train(train_text, args.vocab_size)
    seconds = time.perf_counter() - t0
    data = TokenData.from_split_text(text, tokenizer, args.block_size)
    per_token = len(text) / (len(data.train) + len(data.val))
    lines = [
        f"BPE du cours appris en {french_number(seconds, 1)} s sur les "
        f"{french_number(len(train_text), 0)} caractères de la partie "
        f"entraînement (les 10 % de validation n'y sont pas) ; un token couvre "
        f"{french_number(per_token, 2)} "
        f"caractère{'s' if per_token >= 2 else ''} en moyenne, "
        f"le contexte de {args.block_size} tokens environ "
        f"{french_number(per_token * args.block_size, 0)} caractères."
    ]
    return tokenizer, data, lines, {"bpe_train_chars": len(train_text)}


def _tokenizer_mismatch(folder: Path, tokenizer) -> str | None:
    """Pourquoi on ne peut pas reprendre le checkpoint de ``folder`` avec ce tokenizer
    (None si on peut) : même taille de vocabulaire ne veut pas dire mêmes tokens, et des
    poids appris pour d'autres tokens ne produiraient que du bruit."""
    import json

    try:
        saved = json.loads((folder / "state.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # pas de checkpoint lisible : `train` le dira
    from llmlab.checkpoints import tokenizer_extra

    saved_extra = saved.get("extra") or {}
    if all(saved_extra.get(k) == v for k, v in tokenizer_extra(tokenizer).items()):
        return None
    return (
        f"le checkpoint de « {folder} » a été entraîné avec d'autres tokens que "
        "ceux de ce corpus (autre texte, autre --tokenizer ou autre --vocab-size) : "
        "reprenez avec les mêmes réglages, ou changez de --dossier."
    )


#: Les options du planning : (option, réglage de TrainConfig, défaut). Non données avec
#: --reprendre, elles viennent du checkpoint : la reprise continue le même planning.
SCHEDULE_OPTIONS = (
    ("lr", "learning_rate", None),
    ("planning", "lr_schedule", "constant"),
    ("echauffement", "warmup_steps", None),
    ("lr_min", "min_lr", None),
    ("decroissance_poids", "weight_decay", 0.0),
)

#: Chaque réglage de TrainConfig que fixe une option de « llmlab entrainer ».
OPTION_OF = {
    "max_steps": "--steps",
    "batch_size": "--batch-size",
    "block_size": "--block-size",
    "seed": "--seed",
    **{key: "--" + option.replace("_", "-") for option, key, _ in SCHEDULE_OPTIONS},
}


def _resume_refused(error) -> str:
    """La reprise refusée par le checkpoint, redite avec les options de la commande."""
    shown = ", ".join(
        f"{OPTION_OF.get(key, key)} : {saved} → {asked}"
        for key, (saved, asked) in error.changed.items()
    )
    return (
        f"reprendre continue le même run, mais ces options diffèrent du checkpoint ({shown}). "
        "Redonnez les mêmes, ou repartez de zéro : sans --reprendre, ou avec un autre "
        "--dossier. (--steps peut changer, sauf avec le planning cosinus, qui descend "
        "jusqu'au dernier pas.)"
    )


def _schedule_settings(args, defaults: dict, folder: Path | None) -> dict:
    """Les réglages du planning pour TrainConfig : ceux de la ligne de commande ; pour
    ceux qui n'y sont pas, ceux du checkpoint qu'on reprend (``folder``), sinon les
    défauts. Deux défauts dépendent du planning : avec le cosinus, l'échauffement est la part
    ``echauffement_part`` des pas (s'il y en a une) et le taux minimal le dixième du taux
    maximal ; à taux constant, aucun échauffement et un minimum de 0."""
    import json

    saved = {}
    if folder is not None:
        try:
            state = json.loads((folder / "state.json").read_text(encoding="utf-8"))
            saved = state.get("train_config") or {}
        except (OSError, ValueError, AttributeError):
            saved = {}
    out = {}
    for option, key, default in SCHEDULE_OPTIONS:
        value = getattr(args, option, None)
        if value is None:
            # un checkpoint d'avant les plannings n'a pas ces clés : il était à taux constant
            value = saved.get(key, default) if saved else None
            if value is None:
                value = defaults.get(option, default)
        out[key] = value
    cosine = out["lr_schedule"] == "cosinus"
    if out["warmup_steps"] is None:
        out["warmup_steps"] = round(defaults.get("echauffement_part", 0.0) * args.steps * cosine)
    if out["min_lr"] is None:
        out["min_lr"] = out["learning_rate"] / 10 if cosine else 0.0
    return out


def _train_model(args, kind: str, build) -> int:
    """Entraîne un modèle de langage (GRU ou GPT ; caractères ou BPE) : ce que
    les deux commandes `entrainer` ont en commun. ``build(tokenizer)`` construit
    le modèle."""
    from llmlab import data as D

    bpe = getattr(args, "tokenizer", "car") == "bpe"
    for option, value in (("--steps", args.steps), ("--batch-size", args.batch_size)):
        if value < 1:
            return _fail(f"{option} doit être un entier ≥ 1 (reçu {value}).")
    if args.lr is not None and not args.lr > 0:
        return _fail(f"--lr doit être un nombre > 0 (reçu {args.lr}).")
    if args.livrer and args.corpus:
        return _fail("--livrer entraîne le modèle livré sur Shakespeare : retirez --corpus.")
    if getattr(args, "vocab_size", None) is not None and not bpe:
        return _fail(
            "--vocab-size ne sert qu'avec --tokenizer bpe : un modèle de caractères "
            "prend pour vocabulaire les caractères du corpus."
        )
    if bpe and args.vocab_size is None:
        args.vocab_size = BPE_VOCAB_DEFAULT
    if bpe and not BPE_VOCAB_MIN <= args.vocab_size <= BPE_VOCAB_MAX:
        return _fail(
            f"--vocab-size vaut {args.vocab_size} : un BPE au niveau des octets "
            f"a 256 tokens de base plus ses fusions ; choisissez entre "
            f"{BPE_VOCAB_MIN} et {french_number(BPE_VOCAB_MAX, 0)} (défaut : "
            f"{BPE_VOCAB_DEFAULT})."
        )
    try:
        text, corpus = _load_text(args)
    except (OSError, ValueError) as exc:
        return _fail(exc)

    import torch

    from llmlab.checkpoints import CheckpointError, save_checkpoint, tokenizer_extra
    from llmlab.sampling import generate_text
    from llmlab.schedules import check_schedule
    from llmlab.training import TrainConfig, train

    if args.threads is not None:
        if args.threads < 1:
            return _fail("--threads doit être un entier ≥ 1.")
        torch.set_num_threads(args.threads)
    try:
        tokenizer, data, lines, extra_bpe = _make_tokenizer(args, text)
    except ValueError as exc:
        return _fail(exc)
    shipped = {"gru": D.SHIPPED_GRU, "gpt": D.SHIPPED_GPT_BPE if bpe else D.SHIPPED_GPT}[kind]
    target = Path(args.dossier or f"checkpoints/{shipped}")
    resuming = args.reprendre and not args.livrer
    defaults = GPT_DEFAULTS if kind == "gpt" else GRU_DEFAULTS
    schedule = _schedule_settings(args, defaults, target if resuming else None)
    try:
        config = TrainConfig(
            max_steps=args.steps,
            batch_size=args.batch_size,
            block_size=args.block_size,
            **schedule,
            eval_every=max(1, min(100, args.steps // 8)),
            seed=args.seed,
            checkpoint_seconds=args.sauvegarde,
        )
        check_schedule(
            config.lr_schedule,
            config.warmup_steps,
            config.max_steps,
            config.learning_rate,
            config.min_lr,
        )
    except ValueError as exc:
        return _fail(exc)
    torch.manual_seed(args.seed)
    try:
        model = build(tokenizer)
    except ValueError as exc:
        return _fail(exc)
    start = _start_text(tokenizer)
    every = max(1, args.steps // 4)

    def sample_fn(m):
        return generate_text(m, tokenizer, start, 200, seed=args.seed, temperature=0.8)

    extra = {**tokenizer_extra(tokenizer), "corpus": corpus, **extra_bpe}
    untrained = sample_fn(model)  # l'état de départ : des tokens au hasard
    unit = "tokens BPE" if bpe else "caractères"
    print(
        f"Corpus {corpus} : {french_number(len(text), 0)} caractères, vocabulaire de "
        f"{french_number(tokenizer.vocab_size, 0)} {unit} ; modèle {kind} de "
        f"{french_number(sum(p.numel() for p in model.parameters()), 0)} paramètres."
    )
    for line in lines:
        print(line)
    print(_describe_schedule(config))
    if resuming:
        problem = _tokenizer_mismatch(target, tokenizer)
        if problem:
            return _fail(problem)
    try:
        result = train(
            model,
            data,
            config,
            resume=resuming,
            checkpoint_path=None if args.livrer else target,
            device="cpu" if args.livrer else None,
            sample_fn=sample_fn,
            sample_every=every,
            extra=extra,
            resume_hint=f"uv run llmlab entrainer {kind} --reprendre (avec les mêmes options)",
        )
    except CheckpointError as exc:
        return _fail(_resume_refused(exc) if exc.changed else exc)
    except (OSError, ValueError) as exc:
        return _fail(exc)
    samples = (
        {0: untrained, **result.samples}
        if result.history.step.iloc[0] == 0
        else dict(result.samples)
    )
    for step, sample in samples.items():
        print(f"\n--- après {french_number(step, 0)} pas ---\n{sample}")
    last = result.history.iloc[-1]
    val = f"{last.val_loss:.3f}".replace(".", ",")
    per = " par token" if bpe else ""
    when = f"au pas {french_number(int(last.step), 0)}" if result.interrupted else "finale"
    print(
        f"\nPerte de validation {when}{per} : {val} (pas {french_number(int(last.step), 0)}, "
        f"{french_number(last.elapsed_s, 0)} s d'entraînement)."
    )
    if bpe:  # une perte par token BPE ne se compare pas : on la ramène au caractère
        import math

        from llmlab.evaluation import nll_per_char
        from llmlab.training import split_text

        nats = nll_per_char(model, tokenizer, split_text(text)[1], args.block_size)
        print(
            f"Par caractère de la validation : {french_number(nats, 3)} nat "
            f"({french_number(nats / math.log(2), 2)} bits), le nombre à comparer à "
            "la perte d'un modèle de caractères (llmlab.evaluation.nll_per_char)."
        )
    if args.livrer:
        if result.interrupted:
            return _fail("entraînement interrompu : le modèle livré n'a pas été remplacé.")
        from llmlab._paths import DATA_DIR

        extra["samples"] = {str(k): v for k, v in samples.items()}
        folder = save_checkpoint(
            DATA_DIR / shipped,
            model.cpu(),
            step=int(last.step),
            train_config=config,
            model_config=model.config,
            history=result.history,
            extra=extra,
            elapsed_s=float(last.elapsed_s),
        )
        print(f"Modèle livré écrit dans {folder}. Empreintes pour data/README.md et DATA_FILES :")
        for f in sorted(folder.iterdir()):
            print(f"  {shipped}/{f.name} : {D.sha256_file(f)}")
    elif result.checkpoint:
        print(
            f"Checkpoint : {result.checkpoint}. Pour générer : "
            f"uv run llmlab generer --modele {result.checkpoint}"
        )
    return 0


def _describe_schedule(config) -> str:
    """Une ligne qui dit le planning du taux d'apprentissage."""

    def lr(v):
        return f"{v:.2g}".replace(".", ",")

    warm = f", échauffement de {config.warmup_steps} pas" if config.warmup_steps else ""
    wd = f", décroissance des poids {lr(config.weight_decay)}" if config.weight_decay else ""
    if config.lr_schedule == "cosinus":
        what = (
            f"cosinus de {lr(config.learning_rate)} à {lr(config.min_lr)} "
            f"en {french_number(config.max_steps, 0)} pas"
        )
    else:
        what = f"constant à {lr(config.learning_rate)}"
    return f"Taux d'apprentissage : {what}{warm}{wd}."


def cmd_entrainer_gru(args: argparse.Namespace) -> int:
    def build(tokenizer):
        from llmlab.gru import GRULanguageModel

        return GRULanguageModel(tokenizer.vocab_size, args.n_embd, args.n_hidden, args.n_layers)

    return _train_model(args, "gru", build)


def cmd_entrainer_gpt(args: argparse.Namespace) -> int:
    def build(tokenizer):
        from llmlab.gpt import GPT, GPTConfig

        return GPT(
            GPTConfig(
                vocab_size=tokenizer.vocab_size,
                context_length=args.block_size,
                n_embd=args.n_embd,
                n_head=args.n_head,
                n_layer=args.n_layer,
                dropout=args.dropout,
            )
        )

    return _train_model(args, "gpt", build)


def cmd_entrainer_echelle(args: argparse.Namespace) -> int:
    """L'échelle de GPT des lois d'échelle (`llmlab.ladder`) : entraîner chaque échelon,
    afficher le tableau et les exposants ajustés, livrer les résultats dans data/scaling."""
    import time

    from llmlab import ladder as LD
    from llmlab import scale

    if args.livrer and args.corpus:
        return _fail("--livrer mesure l'échelle livrée sur Shakespeare : retirez --corpus.")
    if args.threads is not None and args.threads < 1:
        return _fail("--threads doit être un entier ≥ 1.")
    if args.processus < 1 or args.evaluations < 1:
        return _fail("--processus et --evaluations doivent être des entiers ≥ 1.")
    if args.processus > 1 and args.threads not in (None, 1):
        return _fail(
            "avec --processus, chaque processus calcule sur un seul fil : retirez --threads."
        )
    try:
        rungs = [LD.Rung.parse(r) for r in args.modeles]
        text, corpus = _load_text(args)
    except (OSError, ValueError) as exc:
        return _fail(exc)
    import torch

    if args.threads is not None:
        torch.set_num_threads(args.threads)
    target = Path(args.dossier or "checkpoints/echelle")
    t0 = time.perf_counter()
    try:
        settings = LD.LadderSettings(
            tokens=args.tokens,
            batch_size=args.batch_size,
            block_size=args.block_size,
            seed=args.seed,
            evals=args.evaluations,
            corpus=corpus,
        )
        results = LD.run_ladder(
            text,
            rungs,
            settings,
            folder=target / "modeles",
            resume=args.reprendre,
            device="cpu" if args.livrer else None,
            progress=not args.sans_barre,
            processes=args.processus,
        )
    except KeyboardInterrupt:
        return _fail(
            f"échelle interrompue : relancez avec --reprendre (checkpoints dans "
            f"{target / 'modeles'})."
        )
    except (OSError, ValueError) as exc:
        return _fail(exc)
    total = time.perf_counter() - t0
    results.settings["command_seconds"] = total
    if args.livrer:
        results.settings["command"] = (
            "uv run llmlab entrainer echelle --livrer"
            + (f" --threads {args.threads}" if args.threads else "")
            + (f" --processus {args.processus}" if args.processus > 1 else "")
        )
    lad = results.ladder
    print("\néchelon   N hors emb.   D/N   C (FLOP)    perte val.   justesse   durée")
    for row in lad.itertuples():
        print(
            f"{row.name:>7} {french_number(row.n_nonembedding, 0):>13} "
            f"{french_number(row.tokens_per_param, 0):>5} {french_general(row.flops, 2):>10} "
            f"{french_number(row.val_loss, 3):>11} "
            f"{french_number(100 * row.char_accuracy, 1):>8} % "
            f"{french_number(row.train_seconds, 0):>6} s"
        )
    if len(lad) >= 2:
        try:
            fit_n = scale.fit_power_law(lad.n_nonembedding, lad.val_loss)
            print(
                f"\nL(N) = (N_c / N)^α_N : α_N = {french_number(fit_n.alpha, 3)} "
                f"(Kaplan : {french_number(scale.KAPLAN['alpha_N'], 3)})."
            )
        except ValueError as exc:
            print(f"\nPas de loi L(N) : {exc}")
    print(f"Durée totale : {french_number(total / 60, 1)} min.")
    out = Path(LD.DATA_DIR / LD.SHIPPED_SCALING) if args.livrer else target
    paths = LD.write_results(results, out)
    print(f"Résultats écrits dans {out}.")
    if args.livrer:
        from llmlab.data import sha256_file

        print("Empreintes pour data/README.md et DATA_FILES :")
        for path in paths:
            print(f"  {LD.SHIPPED_SCALING}/{path.name} : {sha256_file(path)}")
    return 0


def _ladder_defaults():
    from llmlab.ladder import DEFAULT_LADDER

    return DEFAULT_LADDER


def _ladder_tokens() -> int:
    from llmlab.ladder import DEFAULT_TOKENS

    return DEFAULT_TOKENS


def _ladder_evals() -> int:
    from llmlab.ladder import N_EVALS

    return N_EVALS


def _common_train_args(g, d, kind: str) -> None:
    """Les options partagées par `entrainer gru` et `entrainer gpt`."""
    g.add_argument(
        "--corpus",
        metavar="FICHIER",
        help="fichier texte UTF-8 (défaut : les pièces de Shakespeare)",
    )
    g.add_argument(
        "--steps",
        type=int,
        default=d["steps"],
        metavar="N",
        help=f"nombre de pas d'entraînement (défaut : {d['steps']})",
    )
    g.add_argument(
        "--batch-size",
        type=int,
        default=d["batch_size"],
        metavar="B",
        help=f"séquences par lot (défaut : {d['batch_size']})",
    )
    g.add_argument(
        "--block-size",
        type=int,
        default=d["block_size"],
        metavar="T",
        help=f"longueur des séquences (défaut : {d['block_size']})",
    )
    g.add_argument(
        "--lr",
        "--lr-max",
        dest="lr",
        type=float,
        default=None,
        help=f"taux d'apprentissage d'AdamW, le maximum s'il est planifié (défaut : {d['lr']})",
    )
    g.add_argument(
        "--planning",
        choices=["constant", "cosinus"],
        default=None,
        help="planning du taux : constant ou cosinus (du maximum --lr au minimum "
        f"--lr-min, au dernier pas) ; défaut : {d.get('planning', 'constant')}",
    )
    g.add_argument(
        "--echauffement",
        type=int,
        default=None,
        metavar="N",
        help="pas d'échauffement : le taux monte linéairement jusqu'à --lr (défaut : "
        + (
            f"{d['echauffement_part']:.0%} des pas avec le cosinus, 0 à taux constant)".replace(
                "%", " %%"
            )
            if "echauffement_part" in d
            else "0)"
        ),
    )
    g.add_argument(
        "--lr-min",
        type=float,
        default=None,
        metavar="LR",
        help="taux à la fin du cosinus (défaut : le dixième de --lr)",
    )
    g.add_argument(
        "--decroissance-poids",
        type=float,
        default=None,
        metavar="WD",
        help="décroissance des poids d'AdamW, sur les matrices seulement (défaut : 0)",
    )
    g.add_argument("--seed", type=int, default=d["seed"], help=f"graine (défaut : {d['seed']})")
    g.add_argument(
        "--dossier",
        default=None,
        help=f"dossier du checkpoint (défaut : checkpoints/{kind}"
        + (", checkpoints/gpt-bpe avec --tokenizer bpe)" if kind == "gpt" else ")"),
    )
    g.add_argument(
        "--reprendre",
        action="store_true",
        help="reprendre le checkpoint de --dossier là où il s'est arrêté (même "
        "après un arrêt brutal : il est enregistré à chaque évaluation et au "
        "moins toutes les --sauvegarde secondes) ; le planning du taux non "
        "redonné est celui du checkpoint",
    )
    g.add_argument(
        "--sauvegarde",
        type=float,
        default=60.0,
        metavar="S",
        help="enregistrer le checkpoint au moins toutes les S secondes (défaut : "
        "60) : un arrêt brutal ne coûte que ce qui a suivi",
    )
    g.add_argument(
        "--threads",
        type=int,
        default=None,
        metavar="N",
        help="fils de calcul de torch (défaut : ceux de torch ; 1 va souvent "
        "plus vite sur une machine chargée par d'autres calculs)",
    )
    g.add_argument(
        "--livrer",
        action="store_true",
        help=f"refaire le modèle livré dans data/{kind} (Shakespeare, CPU)"
        + (" ; data/gpt-bpe avec --tokenizer bpe" if kind == "gpt" else ""),
    )


def add_train_parser(sub, parser_class) -> None:
    """Ajoute la commande `entrainer` (et ses modèles gru, gpt, echelle) aux sous-commandes."""
    p = sub.add_parser(
        "entrainer",
        help="entraîner un modèle de langage (gru, gpt) ou une échelle de GPT (echelle)",
    )
    models = p.add_subparsers(
        dest="modele", metavar="MODELE", required=True, parser_class=parser_class
    )
    g = models.add_parser(
        "gru",
        help="GRU de caractères (environ une minute sur CPU)",
        description="Entraîne un GRU de caractères et enregistre un "
        "checkpoint (Ctrl-C : arrêt propre, --reprendre pour continuer).",
    )
    d = GRU_DEFAULTS
    _common_train_args(g, d, "gru")
    g.add_argument(
        "--n-embd",
        type=int,
        default=d["n_embd"],
        metavar="E",
        help=f"taille des embeddings (défaut : {d['n_embd']})",
    )
    g.add_argument(
        "--n-hidden",
        type=int,
        default=d["n_hidden"],
        metavar="H",
        help=f"taille de l'état du GRU (défaut : {d['n_hidden']})",
    )
    g.add_argument(
        "--n-layers",
        type=int,
        default=d["n_layers"],
        metavar="L",
        help=f"nombre de couches GRU (défaut : {d['n_layers']})",
    )
    g.set_defaults(func=cmd_entrainer_gru)

    g = models.add_parser(
        "gpt",
        help="mini-GPT de caractères ou de tokens BPE (quelques minutes sur CPU)",
        description="Entraîne un mini-GPT (config nanoGPT « portable »), sur "
        "des caractères ou, avec --tokenizer bpe, sur des tokens BPE, et "
        "enregistre un checkpoint (Ctrl-C : arrêt propre, --reprendre pour "
        "continuer).",
    )
    d = GPT_DEFAULTS
    _common_train_args(g, d, "gpt")
    g.add_argument(
        "--n-embd",
        type=int,
        default=d["n_embd"],
        metavar="E",
        help=f"taille des embeddings (défaut : {d['n_embd']})",
    )
    g.add_argument(
        "--n-head",
        type=int,
        default=d["n_head"],
        metavar="H",
        help=f"têtes d'attention (défaut : {d['n_head']})",
    )
    g.add_argument(
        "--n-layer",
        type=int,
        default=d["n_layer"],
        metavar="L",
        help=f"blocs Transformer (défaut : {d['n_layer']})",
    )
    g.add_argument(
        "--dropout",
        type=float,
        default=d["dropout"],
        metavar="P",
        help=f"dropout (défaut : {d['dropout']})",
    )
    g.add_argument(
        "--tokenizer",
        choices=["car", "bpe"],
        default="car",
        help="car : un token par caractère (défaut) ; bpe : le BPE du cours, "
        "appris sur la partie entraînement du corpus (le contexte --block-size "
        "compte alors des tokens BPE)",
    )
    g.add_argument(
        "--vocab-size",
        type=int,
        default=None,
        metavar="V",
        help=f"taille du vocabulaire BPE, de {BPE_VOCAB_MIN} à "
        f"{french_number(BPE_VOCAB_MAX, 0)} (défaut : {BPE_VOCAB_DEFAULT} ; "
        "seulement avec --tokenizer bpe)",
    )
    g.set_defaults(func=cmd_entrainer_gpt)

    from llmlab.data import SHIPPED_SCALING

    g = models.add_parser(
        "echelle",
        help="six GPT de tailles croissantes, même budget de "
        "tokens : les lois d'échelle mesurées (environ une demi-heure sur deux cœurs avec --processus 2)",
        description="Entraîne l'échelle de GPT de llmlab.ladder (même "
        "nombre de tokens pour chaque taille), mesure leurs pertes et "
        "ajuste la loi de puissance L(N). Un checkpoint par échelon : "
        "--reprendre continue une échelle interrompue.",
    )
    g.add_argument(
        "--corpus",
        metavar="FICHIER",
        help="fichier texte UTF-8 (défaut : les pièces de Shakespeare)",
    )
    g.add_argument(
        "--modeles",
        nargs="+",
        metavar="LxD",
        default=[r.name for r in _ladder_defaults()],
        help="échelons : COUCHESxLARGEUR, 4 têtes chacun (défaut : "
        + " ".join(r.name for r in _ladder_defaults())
        + ")",
    )
    g.add_argument(
        "--tokens",
        type=int,
        default=_ladder_tokens(),
        metavar="D",
        help=f"tokens vus par chaque échelon (défaut : {french_number(_ladder_tokens(), 0)})",
    )
    g.add_argument(
        "--batch-size", type=int, default=16, metavar="B", help="séquences par lot (défaut : 16)"
    )
    g.add_argument(
        "--block-size",
        type=int,
        default=64,
        metavar="T",
        help="longueur des séquences (défaut : 64)",
    )
    g.add_argument("--seed", type=int, default=1337, help="graine (défaut : 1337)")
    g.add_argument(
        "--evaluations",
        type=int,
        default=_ladder_evals(),
        metavar="E",
        help="points de chaque courbe d'apprentissage, les pertes de L(C) "
        f"(défaut : {_ladder_evals()})",
    )
    g.add_argument(
        "--dossier",
        default=None,
        help="dossier des checkpoints et des résultats (défaut : checkpoints/echelle)",
    )
    g.add_argument(
        "--reprendre",
        action="store_true",
        help="reprendre une échelle interrompue (mêmes réglages)",
    )
    g.add_argument(
        "--threads",
        type=int,
        default=None,
        metavar="N",
        help="fils de calcul de torch (1 : poids identiques d'une exécution à "
        "l'autre, et souvent plus rapide sur une machine chargée)",
    )
    g.add_argument(
        "--processus",
        type=int,
        default=1,
        metavar="P",
        help="entraîner P échelons à la fois, un processus d'un fil chacun "
        "(défaut : 1 ; 2 sur deux cœurs libres : deux fois plus court)",
    )
    g.add_argument("--sans-barre", action="store_true", help="sans barres de progression")
    g.add_argument(
        "--livrer",
        action="store_true",
        help=f"refaire les résultats livrés dans data/{SHIPPED_SCALING} (Shakespeare, CPU)",
    )
    g.set_defaults(func=cmd_entrainer_echelle)
