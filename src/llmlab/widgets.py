"""Widgets des TP : des curseurs pour sentir ce que font les paramètres d'un modèle.

Chaque widget dessine une figure matplotlib en PNG (widget `Image`) et la redessine quand
un curseur bouge. Pas besoin de backend interactif (ipympl) : cela marche dans VS Code,
JupyterLab et sur le site, et hors de tout frontend l'objet se construit quand même, ce qui
permet de le tester en changeant la valeur d'un curseur à la main.

    from llmlab.widgets import line_fit_explorer
    line_fit_explorer(x, y)      # dernière ligne d'une cellule : le widget s'affiche
"""

from __future__ import annotations

import io

import ipywidgets as widgets
import matplotlib.style
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from llmlab import linear
from llmlab.display import french_general, french_number, french_ticks
from llmlab.style import STYLE_NAME, register

register()

_DPI = 100
#: Au-delà, une perte qui diverge n'est plus dessinée (l'échelle log déborderait).
_LOSS_CAP = 1e100


def _french_readout(slider, decimals: int):
    """Le curseur suivi de sa valeur à la française (« 0,85 ») : l'affichage intégré
    d'ipywidgets ne connaît que le point décimal. Rend la ligne à placer dans la vue."""
    slider.readout = False
    value = widgets.Label()

    def show(change=None):
        value.value = french_number(slider.value, decimals)

    slider.observe(show, names="value")
    show()
    return widgets.HBox([slider, value])


def _nice_ceiling(value: float) -> float:
    """Arrondit vers le haut à 1, 2 ou 5 × 10^k : des bornes de curseur lisibles."""
    if value <= 0 or not np.isfinite(value):
        return 1.0
    power = 10 ** np.floor(np.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return float(step * power)
    return float(10 * power)


def _png(fig: Figure) -> bytes:
    """La figure en PNG, avec le style du cours (savefig lit aussi des rcParams)."""
    buffer = io.BytesIO()
    with matplotlib.style.context(STYLE_NAME):
        fig.savefig(buffer, format="png", dpi=_DPI)
    return buffer.getvalue()


def _new_figure(ncols: int, size: tuple[float, float]):
    """Une figure hors pyplot : rien ne s'affiche tout seul, rien ne reste en mémoire de pyplot."""
    with matplotlib.style.context(STYLE_NAME):
        fig = Figure(figsize=size, dpi=_DPI, layout="constrained")
        FigureCanvasAgg(fig)
        axes = fig.subplots(1, ncols)
    return fig, axes


class LineFitExplorer(widgets.VBox):
    """Deux curseurs (pente, ordonnée) : la droite, les écarts et la MSE suivent.

    Les bornes des curseurs viennent de l'étendue des données, pas de la solution : au
    milieu des curseurs ne se trouve pas la réponse.
    """

    def __init__(
        self,
        x,
        y,
        slope=0.0,
        intercept=None,
        slope_max=None,
        intercept_range=None,
        xlabel="Âge (mois)",
        ylabel="Taille (cm)",
    ):
        self.x = np.asarray(x, dtype=float)
        self.y = np.asarray(y, dtype=float)
        x_span, y_span = np.ptp(self.x) or 1.0, np.ptp(self.y) or 1.0
        slope_max = slope_max or _nice_ceiling(2 * y_span / x_span)
        if intercept_range is None:
            low = np.floor(self.y.min() - y_span)
            intercept_range = (low, np.ceil(self.y.max()))
        if intercept is None:
            intercept = float(np.round(self.y.mean()))
        self.best_mse = np.inf

        self.slope = widgets.FloatSlider(
            value=slope,
            min=-slope_max,
            max=slope_max,
            step=slope_max / 500,
            description="pente a",
            readout_format=".3f",
            continuous_update=True,
        )
        self.intercept = widgets.FloatSlider(
            value=intercept,
            min=intercept_range[0],
            max=intercept_range[1],
            step=0.1,
            description="ordonnée b",
            readout_format=".1f",
            continuous_update=True,
        )
        for slider in (self.slope, self.intercept):
            slider.style.description_width = "90px"
            slider.layout.width = "420px"
        self.label = widgets.HTML()
        self.image = widgets.Image(format="png")

        self.fig, ax = _new_figure(1, (6, 3.8))
        self._xs = np.linspace(self.x.min(), self.x.max(), 2)
        with matplotlib.style.context(STYLE_NAME):
            self._residuals = ax.vlines(self.x, self.y, self.y, linestyles=":", linewidth=1)
            ax.scatter(self.x, self.y, s=22, zorder=3)
            (self._line,) = ax.plot(self._xs, self._xs * 0, linewidth=1.8)
            ax.set_xlabel(xlabel)
            ax.set_ylabel(ylabel)
            margin = 0.15 * y_span
            ax.set_ylim(self.y.min() - margin, self.y.max() + margin)
            french_ticks(ax)
        self.slope.observe(self._update, names="value")
        self.intercept.observe(self._update, names="value")
        super().__init__(
            children=[
                _french_readout(self.slope, 3),
                _french_readout(self.intercept, 1),
                self.label,
                self.image,
            ]
        )
        self._update()

    def predictions(self) -> np.ndarray:
        return self.slope.value * self.x + self.intercept.value

    @property
    def mse(self) -> float:
        """MSE de la droite choisie par les curseurs."""
        return float(linear.mse(self.y, self.predictions()))

    def _update(self, change=None):
        a, b = self.slope.value, self.intercept.value
        pred = self.predictions()
        self._line.set_ydata(a * self._xs + b)
        self._residuals.set_segments(
            [[(xi, yi), (xi, pi)] for xi, yi, pi in zip(self.x, self.y, pred)]
        )
        current = self.mse
        self.best_mse = min(self.best_mse, current)
        self.label.value = (
            f"droite y = {french_number(a, 3)}·x + {french_number(b, 1)} &nbsp; → "
            f"&nbsp; <b>MSE = {french_number(current, 2)}</b> &nbsp; "
            f"(votre meilleure : {french_number(self.best_mse, 2)})"
        )
        self.image.value = _png(self.fig)


def line_fit_explorer(x, y, **options) -> LineFitExplorer:
    """Curseurs pente et ordonnée sur le nuage (x, y) : cherchez à la main la droite de MSE minimale."""
    return LineFitExplorer(x, y, **options)


class GradientDescentExplorer(widgets.VBox):
    """Un curseur d'epoch : la droite atteinte à cette epoch et sa place sur la courbe de perte.

    La descente est celle de `llmlab.linear.gradient_descent`. Avec ``normalize=True`` elle
    travaille sur les données centrées réduites, et la droite est ramenée en unités d'origine
    pour le dessin ; la perte affichée est alors celle des données normalisées.
    """

    def __init__(
        self,
        x,
        y,
        lr=0.01,
        epochs=200,
        normalize=True,
        w0=0.0,
        b0=0.0,
        xlabel="Âge (mois)",
        ylabel="Taille (cm)",
    ):
        self.x = np.asarray(x, dtype=float)
        self.y = np.asarray(y, dtype=float)
        self.normalize = normalize
        if normalize:
            self.x_train, x_mean, x_std = linear.normalize(self.x)
            self.y_train, y_mean, y_std = linear.normalize(self.y)
            self.stats = (x_mean, x_std, y_mean, y_std)
        else:
            self.x_train, self.y_train, self.stats = self.x, self.y, None
        with np.errstate(over="ignore", invalid="ignore"):  # une descente qui diverge est permise
            self.history = linear.gradient_descent(self.x_train, self.y_train, lr, epochs, w0, b0)

        self.epoch = widgets.IntSlider(
            value=0, min=0, max=epochs, description="epoch", continuous_update=True
        )
        self.epoch.layout.width = "520px"
        self.label = widgets.HTML()
        self.image = widgets.Image(format="png")

        self.fig, (ax_line, ax_loss) = _new_figure(2, (9.5, 3.6))
        self._xs = np.linspace(self.x.min(), self.x.max(), 2)
        y_span = np.ptp(self.y) or 1.0
        with matplotlib.style.context(STYLE_NAME):
            ax_line.scatter(self.x, self.y, s=22, zorder=3)
            (self._line,) = ax_line.plot(self._xs, self._xs * 0, linewidth=1.8)
            ax_line.set_ylim(self.y.min() - 0.3 * y_span, self.y.max() + 0.3 * y_span)
            ax_line.set_xlabel(xlabel)
            ax_line.set_ylabel(ylabel)
            loss = self.history.loss
            finite = np.isfinite(loss) & (loss > 0) & (loss < _LOSS_CAP)
            steps = np.arange(len(loss))
            ax_loss.plot(steps[finite], loss[finite], linewidth=1.5)
            (self._dot,) = ax_loss.plot(
                [0],
                [loss[0]],
                "o",
                markersize=8,
                color="C0",
                markerfacecolor="white",
                markeredgewidth=2,
            )
            ax_loss.set_yscale("log")
            ax_loss.set_xlabel("epoch")
            ax_loss.set_ylabel("MSE (données normalisées)" if normalize else "MSE")
            ax_loss.set_title(f"lr = {french_general(lr)}")
            for ax in (ax_line, ax_loss):
                french_ticks(ax)  # l'axe log de la perte garde ses puissances de 10
        self.epoch.observe(self._update, names="value")
        super().__init__(children=[self.epoch, self.label, self.image])
        self._update()

    def line(self, epoch: int | None = None) -> tuple[float, float]:
        """(pente, ordonnée) à l'epoch donnée (par défaut celle du curseur), en unités d'origine."""
        k = self.epoch.value if epoch is None else epoch
        w, b = float(self.history.slope[k]), float(self.history.intercept[k])
        if self.normalize:
            a, b = linear.denormalize_line(w, b, *self.stats)
            return float(a), float(b)
        return w, b

    @property
    def mse(self) -> float:
        """Perte d'entraînement à l'epoch du curseur, recalculée depuis (w, b)."""
        k = self.epoch.value
        w, b = self.history.slope[k], self.history.intercept[k]
        with np.errstate(over="ignore", invalid="ignore"):
            return float(linear.mse(self.y_train, w * self.x_train + b))

    def _update(self, change=None):
        k = self.epoch.value
        a, b = self.line()
        loss = self.mse
        with np.errstate(over="ignore", invalid="ignore"):
            self._line.set_ydata(a * self._xs + b)
        self._dot.set_data([k], [loss if 0 < loss < _LOSS_CAP else np.nan])
        unit = " (normalisée)" if self.normalize else ""
        self.label.value = (
            f"epoch {k} : <b>MSE{unit} = {french_general(loss)}</b> &nbsp; "
            f"droite y = {french_general(a)}·x + {french_general(b)}"
        )
        self.image.value = _png(self.fig)


def gradient_descent_explorer(x, y, lr=0.01, epochs=200, normalize=True, **options):
    """Rejoue une descente de gradient epoch par epoch avec un curseur."""
    return GradientDescentExplorer(x, y, lr=lr, epochs=epochs, normalize=normalize, **options)


class SamplingExplorer(widgets.VBox):
    """Trois curseurs (température, top-k, top-p) sur de vrais logits : les barres montrent
    la probabilité de chaque mot candidat après chaque réglage.

    L'ordre des opérations est celui des bibliothèques de génération : on divise les logits
    par la température, on garde les k meilleurs, puis le plus petit noyau de masse ≥ p, et
    softmax redonne une distribution. Un mot écarté a une probabilité exactement nulle.
    """

    def __init__(self, words, logits, temperature=1.0, top_k=None, top_p=1.0, max_bars=15):
        self.words = list(words)
        self.logits = np.asarray(logits, dtype=float)
        if self.logits.shape != (len(self.words),):
            raise ValueError(
                f"Il faut un logit par mot : {len(self.words)} mots, "
                f"logits de forme {self.logits.shape}."
            )
        n = len(self.words)
        self.temperature = widgets.FloatSlider(
            value=temperature,
            min=0.1,
            max=3.0,
            step=0.05,
            description="température",
            readout_format=".2f",
        )
        self.top_k = widgets.IntSlider(value=top_k or n, min=1, max=n, description="top-k")
        self.top_p = widgets.FloatSlider(
            value=top_p, min=0.05, max=1.0, step=0.05, description="top-p", readout_format=".2f"
        )
        for slider in (self.temperature, self.top_k, self.top_p):
            slider.style.description_width = "90px"
            slider.layout.width = "420px"
            slider.observe(self._update, names="value")
        self.label = widgets.HTML()
        self.image = widgets.Image(format="png")
        self._order = np.argsort(-self.logits)[:max_bars]  # les mots les plus probables à T = 1
        self.fig, self._ax = _new_figure(1, (7, 3.6))
        super().__init__(
            children=[
                _french_readout(self.temperature, 2),
                self.top_k,
                _french_readout(self.top_p, 2),
                self.label,
                self.image,
            ]
        )
        self._update()

    def probabilities(self) -> np.ndarray:
        """Les probabilités de tous les mots pour les réglages des curseurs."""
        from llmlab import sampling

        z = self.logits / self.temperature.value
        z = sampling.top_k_filter(z, self.top_k.value)
        if self.top_p.value < 1.0:
            z = sampling.top_p_filter(z, self.top_p.value)
        return sampling.softmax(z)

    def _update(self, change=None):
        probs = self.probabilities()
        kept = int(np.count_nonzero(probs))
        ax = self._ax
        ax.clear()
        with matplotlib.style.context(STYLE_NAME):
            shown = probs[self._order]
            ax.bar(range(len(self._order)), shown, color=["C0" if p > 0 else "C2" for p in shown])
            ax.set_xticks(
                range(len(self._order)),
                [self.words[i] for i in self._order],
                rotation=45,
                ha="right",
            )
            ax.set_ylim(0, 1)
            ax.set_ylabel("probabilité")
            french_ticks(ax, "y")  # « 0,2 » : clear() a remis le formateur anglais
        best = int(np.argmax(probs))
        self.label.value = (
            f"{kept} mot(s) possible(s) sur {len(self.words)} &nbsp; · &nbsp; "
            f"le plus probable : <b>{self.words[best]}</b> "
            f"({french_number(100 * probs[best], 1)} %)"
        )
        self.image.value = _png(self.fig)


def sampling_explorer(words, logits, **options) -> SamplingExplorer:
    """Curseurs température, top-k et top-p sur les logits des mots candidats."""
    return SamplingExplorer(words, logits, **options)


class TokenExplorer(widgets.VBox):
    """Une zone de texte : les tokens du tokenizer s'affichent en couleur pendant la frappe,
    avec leur nombre. L'id de chaque token apparaît au survol."""

    def __init__(self, tokenizer, text="Bonjour mon cœur, tu as bien dormi ?"):
        self.tokenizer = tokenizer
        self.text = widgets.Textarea(
            value=text, description="texte", layout=widgets.Layout(width="600px", height="70px")
        )
        self.text.observe(self._update, names="value")
        self.output = widgets.HTML()
        super().__init__(children=[self.text, self.output])
        self._update()

    def _update(self, change=None):
        from llmlab.tokenizers import tokens_html

        text = self.text.value
        n_tokens = len(self.tokenizer.encode(text))
        self.output.value = (
            f"<p>{len(text)} caractères, {len(text.encode('utf-8'))} octets, "
            f"<b>{n_tokens} tokens</b></p>" + tokens_html(text, self.tokenizer)
        )


def token_explorer(tokenizer, text="Bonjour mon cœur, tu as bien dormi ?") -> TokenExplorer:
    """Tapez du texte, voyez ses tokens (survolez un token pour lire son id)."""
    return TokenExplorer(tokenizer, text)
