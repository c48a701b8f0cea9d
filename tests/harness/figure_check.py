"""Graduations des figures, vérifiées dans le noyau des tests (jamais au rendu).

Exécuté tel quel au début de chaque .qmd et de chaque notebook par le harnais (comme
``quarto_setup.py``). Chaque figure matplotlib passe par ``FigureCanvasBase.print_figure``
pour devenir une image (backend « inline » de Jupyter, ``savefig`` des widgets) : on relit
alors ses graduations, déjà dessinées. Une graduation à point décimal (« 0.25 », que le
formateur de matplotlib écrit quelle que soit la langue) est rapportée, à la fin de la
cellule, par une sortie d'un type MIME privé que ni Quarto ni slidefit ne lisent ;
``harness.outputs.decimal_point_ticks`` les rassemble. Le remède :
``llmlab.display.french_ticks(ax)``.
"""


def _llmlab_watch_ticks():
    import re

    from IPython import get_ipython
    from IPython.display import display
    from matplotlib.backend_bases import FigureCanvasBase

    mime = "application/x-llmlab-ticks+json"
    decimal = re.compile(r"\d\.\d")
    found = []
    original = FigureCanvasBase.print_figure

    def print_figure(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        for ax in self.figure.axes:
            if not ax.axison:  # ax.axis("off") : un schéma, rien n'est dessiné
                continue
            for axis in (ax.xaxis, ax.yaxis):
                labels = [
                    t.get_text()
                    for t in axis.get_ticklabels()
                    if t.get_visible() and decimal.search(t.get_text())
                ]
                if labels:
                    found.append(
                        {
                            "axes": ax.get_title() or ax.get_ylabel() or ax.get_label(),
                            "axis": axis.axis_name,
                            "labels": labels[:4],
                        }
                    )
        return result

    def emit(result=None):
        if found:
            display({mime: list(found)}, raw=True)
            found.clear()

    FigureCanvasBase.print_figure = print_figure
    get_ipython().events.register("post_run_cell", emit)


_llmlab_watch_ticks()
del _llmlab_watch_ticks
