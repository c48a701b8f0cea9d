"""Ce que le moteur Jupyter de Quarto définit dans le noyau avant le premier chunk d'un .qmd.

Quarto exécute une cellule de préparation (``resources/jupyter/lang/python/setup.py`` dans
quarto-cli) qui, entre autres, met ``ojs_define`` dans l'espace de noms : un chunk Python s'en
sert pour passer des valeurs aux cellules ``{ojs}`` du navigateur. Sans cette fonction, un
.qmd interactif planterait ici alors qu'il se rend bien. On la reproduit avec la même
sérialisation JSON, pour qu'une valeur que Quarto refuserait (un tableau NumPy, par exemple)
échoue aussi dans les tests. Ce fichier est exécuté tel quel dans le noyau (pas pour les
notebooks : Jupyter ne définit pas ``ojs_define``).
"""


def ojs_define(**values):
    """Envoie ``values`` aux cellules OJS, en JSON, comme la fonction de Quarto."""
    import json

    from IPython.display import HTML, display

    def convert(value):
        try:
            import pandas as pd
        except ModuleNotFoundError:
            return value
        if type(value) is pd.Series:
            value = pd.DataFrame(value)
        if type(value) is pd.DataFrame:
            table = json.loads(value.T.to_json(orient="split"))
            return dict(zip(table["index"], table["data"]))
        return value

    payload = {
        "contents": [{"name": name, "value": convert(value)} for name, value in values.items()]
    }
    display(
        HTML('<script type="ojs-define">' + json.dumps(payload) + "</script>"),
        metadata={"ojs_define": True},
    )
