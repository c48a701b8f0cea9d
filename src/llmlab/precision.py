"""FP32, FP16, BF16 : combien de bits pour l'exposant et pour la mantisse.

Un nombre à virgule flottante s'écrit ± 1,m × 2^e. Sur 16 bits, il
faut choisir :

* **FP16** (IEEE) : 5 bits d'exposant, 10 de mantisse. Précis
  (3 chiffres décimaux) mais la plage est courte : au-delà de
  65 504, c'est l'infini ; sous 6·10⁻⁸, zéro. Entraîner en FP16
  demande de multiplier la perte (*loss scaling*) pour que les
  petits gradients ne s'effacent pas ;
* **BF16** (« brain float », Google) : 8 bits d'exposant comme
  FP32, donc la même plage (jusqu'à 3·10³⁸), mais 7 bits de
  mantisse : 2 à 3 chiffres décimaux. Les débordements
  disparaissent, les arrondis grossissent.

Les valeurs viennent de ``torch.finfo`` : rien n'est recopié à la
main (testé contre les définitions IEEE).
"""

from __future__ import annotations

import math

import torch

#: Les trois formats comparés, dans l'ordre des tableaux.
FORMATS = {"FP32": torch.float32, "FP16": torch.float16, "BF16": torch.bfloat16}

#: Des valeurs qui montrent la différence : un débordement en FP16
#: (70 000), un soupçon sous son plus petit nombre (10⁻⁸), et un
#: écart fin à 1 (1,001) que BF16 ne voit pas.
EXAMPLES = (70_000.0, 1e-8, 1.001, 3.14159265)


def format_info(dtype: torch.dtype) -> dict:
    """Bits, exposant, mantisse, plus grand nombre, plus petit
    normal et sous-normal, epsilon (écart entre 1 et le nombre
    suivant) et chiffres décimaux exacts d'un format."""
    info = torch.finfo(dtype)
    mantissa = round(-math.log2(info.eps))
    return {
        "bits": info.bits,
        "exposant": info.bits - 1 - mantissa,
        "mantisse": mantissa,
        "max": info.max,
        "min normal": info.smallest_normal,
        "min sous-normal": info.smallest_normal * info.eps,
        "epsilon": info.eps,
        "chiffres": mantissa * math.log10(2),
    }


def float_formats():
    """Un DataFrame : une colonne par format (FP32, FP16, BF16)."""
    import pandas as pd

    return pd.DataFrame({name: format_info(dtype) for name, dtype in FORMATS.items()})


def cast(value: float, dtype: torch.dtype) -> float:
    """``value`` rangé dans ``dtype`` puis relu : ce que le
    format garde vraiment (``inf`` s'il déborde, 0 s'il est
    trop petit)."""
    return float(torch.tensor(value, dtype=torch.float64).to(dtype))


def cast_examples(values=EXAMPLES):
    """Un DataFrame : chaque valeur (ligne) relue dans chaque
    format (colonne)."""
    import pandas as pd

    return pd.DataFrame(
        {name: [cast(v, dtype) for v in values] for name, dtype in FORMATS.items()},
        index=list(values),
    )


def _short(x: float) -> str:
    """Un nombre lisible : « ∞ », « 70 144 », « 1,001·10^−8^ »
    (exposant en exposant Markdown), « 3,140625 »."""
    from llmlab.display import french_general, french_number

    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    if x == 0:
        return "0"
    if x == int(x) and abs(x) < 1e7:
        return french_number(x, 0)
    if abs(x) >= 1e7 or abs(x) < 1e-2:
        mantissa, exponent = f"{x:.4e}".split("e")
        mantissa = mantissa.rstrip("0").rstrip(".")
        return f"{mantissa.replace('.', ',')}·10^{int(exponent)}^".replace("-", "−")
    return french_general(x, 7)


def formats_table() -> str:
    """Le tableau Markdown des formats pour le deck."""
    from llmlab.display import french_number, table_markdown

    df = float_formats()
    rows = [
        (
            label,
            *(
                french_number(v, 0)
                if label in ("bits", "exposant", "mantisse")
                else french_number(v, 1)
                if label == "chiffres"
                else _short(v)
                for v in df.loc[label]
            ),
        )
        for label in df.index
    ]
    return table_markdown(rows, ["", *df.columns], align="lrrr")


def examples_table(values=EXAMPLES) -> str:
    """Le tableau Markdown des valeurs relues dans chaque format."""
    from llmlab.display import table_markdown

    df = cast_examples(values)
    rows = [(_short(v), *(_short(x) for x in df.loc[v])) for v in df.index]
    return table_markdown(rows, ["valeur", *df.columns], align="rrrr")
