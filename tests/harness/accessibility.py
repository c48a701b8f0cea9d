"""Clavier et texte alternatif, vérifiés dans Chromium sur la page rendue (issue 20).

Un élève qui ne se sert pas de la souris (habitude, handicap, pavé tactile en panne) doit pouvoir
tout régler au clavier, et un lecteur d'écran doit pouvoir dire ce que montre chaque figure et
ce que règle chaque commande. Les tests de structure lisent les sources ; seul le navigateur
voit ce que Quarto, Observable Inputs et Plot ont vraiment écrit. ``tests/harness/browser.py``
appelle ce module sur chaque page (le clavier) et sur chaque page et deck (les images).

**Les commandes** du contenu de la page (``main``) : champs ``input`` (sauf ``hidden``),
``select``, ``textarea``, ``button`` (sauf désactivés : ils ne servent à personne, souris
comprise), éléments d'un rôle de commande (``button``, ``slider``, ``checkbox``, ``radio``,
``tab``, ``switch``, ``combobox``) et éléments qui réagissent au clic par un ``onclick`` écrit
dans la page. Les liens se suivent au clavier : ils n'en sont pas. Le bouton « copier » que
Quarto pose sur chaque bloc de code (``button.code-copy-button``, nommé par son ``title``)
n'en est pas non plus : c'est l'outillage de Quarto, comme la barre de navigation, et le
compter imposerait une marche au clavier à chaque page qui montre du code. Pour chacune :

* Tab l'atteint depuis le haut de la page (``page.keyboard.press("Tab")``, au plus autant de
  pressions que la page a d'éléments atteignables, plus de marge) ; un groupe de boutons radio
  ou d'onglets compte une seule étape de Tab (les flèches passent d'un bouton à l'autre) ;
* elle a un nom : ``aria-labelledby``, ``aria-label``, un ``<label>`` (``for`` ou englobant),
  son texte pour un bouton, ou ``title`` en dernier recours (Chromium le prend comme nom, et
  le bouton « copier » de Quarto n'a que lui) ; un groupe de boutons radio a aussi son nom
  (``fieldset`` et ``legend``, ou ``role="radiogroup"`` nommé) : chaque bouton ne dit que sa
  valeur ;
* un curseur (``input type=range``) bouge avec la flèche droite (gauche s'il est au maximum).

Un élément qui réagit au clic sans être une commande (``div onclick`` sans ``tabindex`` ni
rôle) n'est atteint que par la souris. Une page sans commande ne coûte aucune pression de Tab.

**Les images** : tout ``img`` visible a un ``alt`` non vide (ou ``aria-label``,
``aria-labelledby``) ; une image décorative le déclare par ``alt=""`` et
``role="presentation"`` (ou ``aria-hidden="true"``). Un ``svg`` de figure (dans ``figure``,
``.cell-output-display`` ou ``.quarto-figure`` : les graphiques de Plot des pages
interactives) a ``aria-label``, ``aria-labelledby`` ou un ``<title>``. Ce que Quarto écrit pour
``#| fig-alt`` : le moteur Jupyter met l'option dans l'image Markdown
(``![](…png){fig-alt='…'}``, ``src/core/jupyter/jupyter.ts``), puis le filtre
``render_html_fixups`` (``src/resources/filters/quarto-post/html.lua``) la déplace dans
l'attribut ``alt`` ; sans ``fig-alt`` ni légende, Pandoc n'écrit pas d'``alt`` du tout. Un
diagramme mermaid (``svg.mermaid-js``, ou ``aria-roledescription`` que mermaid pose), où qu'il
soit, a un nom et une description : Quarto ignore ``fig-alt`` sur une cellule mermaid
(CONTRIBUTING.md), mais mermaid 11 écrit ``accTitle: …`` dans un ``<title
id="chart-title-…">`` premier enfant du SVG et ``accDescr: …`` dans un ``<desc
id="chart-desc-…">``, reliés par ``aria-labelledby`` et ``aria-describedby`` (relevé sur mermaid
11.17.2 rendu dans Chromium, par le même ``mermaidAPI.render`` que le ``mermaid-init.js`` de
Quarto ; sans les directives, rien de tout cela et Chromium ne lui donne aucun nom). Un SVG
d'erreur de mermaid (``aria-roledescription="error"``) n'est pas compté : ``browser.py``
signale déjà le diagramme échoué. Un petit ``svg`` posé à côté de son texte (pastille de légende de Plot,
icône) non plus : le texte le nomme.
"""

from __future__ import annotations

# Natures de problème (browser.py les reprend ; le rapport les affiche telles quelles).
KEYBOARD_UNREACHABLE = "commande inaccessible au clavier"
UNNAMED_CONTROL = "commande sans nom"
STUCK_SLIDER = "curseur immobile au clavier"
MISSING_ALT = "image sans texte alternatif"

MAX_TABS = 400  # une page du cours a quelques dizaines d'éléments atteignables
TABS_PER_CHECK = 10  # pressions de Tab entre deux relevés de ce qui a eu le focus
MARK = "data-llmlab-clavier"  # numéro posé sur chaque commande, relu au passage du focus

# Mêmes aides que celles de browser.py (visibilité, description « balise.classe.classe »).
_JS_COMMON = r"""
const visible = (el) => el.checkVisibility({visibilityProperty: true});
const describe = (el) => {
  const cls = [...el.classList].slice(0, 2).map((c) => '.' + c).join('');
  return el.tagName.toLowerCase() + cls;
};
const flat = (text) => (text || '').replace(/\s+/g, ' ').trim();
const short = (text) => { const t = flat(text); return t.length > 40 ? t.slice(0, 39) + '…' : t; };
const describedBy = (el) => flat((el.getAttribute('aria-describedby') || '').split(/\s+/)
  .map((id) => (id && document.getElementById(id)) ? document.getElementById(id).textContent : '').join(' '));
const labelledBy = (el) => flat((el.getAttribute('aria-labelledby') || '').split(/\s+/)
  .map((id) => (id && document.getElementById(id)) ? document.getElementById(id).textContent : '').join(' '));
"""

_JS_CONTROLS = (
    "() => {"
    + _JS_COMMON
    + r"""
const NATIVE = 'input:not([type=hidden]), select, textarea, button';
const ROLES = ['button', 'slider', 'checkbox', 'radio', 'tab', 'switch', 'combobox'];
// Rôles dont le nom peut venir du texte de l'élément (ARIA : « name from content »).
const CONTENT_NAMED = ['button', 'tab', 'checkbox', 'radio', 'switch'];
// Le bouton « copier » que Quarto pose sur chaque bloc de code : un vrai <button>, nommé par
// son title, que les sources du cours ne peuvent pas casser ; le compter coûterait une marche
// au clavier à chaque page qui montre du code.
const SKIPPED = 'script, style, noscript, template, [inert], .code-copy-button';
const roleOf = (el) => (el.getAttribute('role') || '').trim().split(/\s+/)[0];
const nameOf = (el) => {
  const byIds = labelledBy(el);
  if (byIds) return byIds;
  const aria = flat(el.getAttribute('aria-label'));
  if (aria) return aria;
  const labels = flat([...(el.labels || [])].map((l) => l.textContent).join(' '));
  if (labels) return labels;
  const tag = el.tagName.toLowerCase(), type = (el.getAttribute('type') || '').toLowerCase();
  if (tag === 'input' && (type === 'submit' || type === 'reset')) return flat(el.value) || type;
  if (tag === 'input' && type === 'button' && flat(el.value)) return flat(el.value);
  if (tag === 'input' && type === 'image' && flat(el.alt)) return flat(el.alt);
  if (tag === 'button' || CONTENT_NAMED.includes(roleOf(el))) {
    const text = flat(el.textContent) || flat([...el.querySelectorAll('img[alt], [aria-label]')]
      .map((c) => c.getAttribute('alt') || c.getAttribute('aria-label')).join(' '));
    if (text) return text;
  }
  return flat(el.getAttribute('title'));
};
// Ce qui entoure une commande sans nom : de quoi la retrouver sur la page.
const around = (el) => {
  const box = el.closest('form, fieldset, figure, li, p') || el.parentElement;
  return box ? short(box.innerText) : '';
};
const what = (el, name) => {
  const type = el.tagName === 'INPUT' ? `[type=${(el.getAttribute('type') || 'text').toLowerCase()}]` : '';
  const id = el.id ? '#' + el.id : '';
  const context = name ? ` « ${short(name)} »` : (around(el) ? ` près de « ${around(el)} »` : '');
  return describe(el) + id + type + context;
};
// Un groupe de boutons radio ou d'onglets est une seule étape de Tab.
const groups = new Map();
const groupOf = (el, index) => {
  let key = null;
  if (el.matches('input[type=radio]') && el.name) {
    key = `radio:${el.form ? [...document.forms].indexOf(el.form) : '-'}:${el.name}`;
  }
  else if (roleOf(el) === 'radio' && el.closest('[role=radiogroup]')) key = el.closest('[role=radiogroup]');
  else if (roleOf(el) === 'tab' && el.closest('[role=tablist]')) key = el.closest('[role=tablist]');
  if (key === null) return 'c' + index;
  if (!groups.has(key)) groups.set(key, 'g' + groups.size);
  return groups.get(key);
};
const root = document.querySelector('main') || document.body;
const controls = [], mouseOnly = [], unnamedGroups = [];
const radioSets = new Map();
let index = 0;
for (const el of root.querySelectorAll(`${NATIVE}, [role], [onclick]`)) {
  if (el.closest(SKIPPED) || !visible(el)) continue;
  const native = el.matches(NATIVE), widget = ROLES.includes(roleOf(el));
  if (native && el.disabled) continue;
  if (!native && !widget) {
    // Un lien, un <summary>, un <label> ou ce qui est dans une commande répond déjà au
    // clavier (Entrée, ou le focus de la commande) : seul un autre élément cliquable compte.
    if (el.hasAttribute('onclick') && !el.closest(`${NATIVE}, a[href], summary, label`)) {
      mouseOnly.push({what: what(el, nameOf(el) || el.textContent), tabindex: el.getAttribute('tabindex')});
    }
    continue;
  }
  const name = nameOf(el);
  el.setAttribute('__MARK__', String(index));
  const control = {index, group: groupOf(el, index), what: what(el, name), named: !!name,
                   tabindex: el.getAttribute('tabindex'), range: el.matches('input[type=range]')};
  controls.push(control);
  index += 1;
  if (el.matches('input[type=radio]') && el.name) {
    const key = control.group;
    if (!radioSets.has(key)) radioSets.set(key, []);
    radioSets.get(key).push(el);
  }
}
for (const radios of radioSets.values()) {
  if (radios.length < 2) continue;
  const first = radios[0];
  const fieldset = first.closest('fieldset');
  const legend = fieldset && fieldset.querySelector(':scope > legend');
  const group = first.closest('[role=radiogroup], [role=group]');
  const groupName = group ? (labelledBy(group) || flat(group.getAttribute('aria-label'))) : '';
  if (!(legend && flat(legend.textContent)) && !groupName) {
    unnamedGroups.push({count: radios.length, around: around(first.closest('form, fieldset, div') || first)});
  }
}
// Combien d'éléments la page laisse atteindre par Tab : la borne de la marche.
const focusable = 'a[href], area[href], button, input, select, textarea, iframe, summary, '
  + '[tabindex], [contenteditable]';
const tabbable = [...document.querySelectorAll(focusable)].filter((el) => el.tabIndex >= 0).length;
return {controls, mouseOnly, unnamedGroups, tabbable};
}""".replace("__MARK__", MARK)
)

# Chaque commande qui reçoit le focus est notée ; on part du haut de la page, rien n'ayant
# le focus.
_JS_FOCUS_LOG = f"""() => {{
  window.__llmlabFocus = [];
  document.addEventListener('focusin', (event) => {{
    const mark = event.target.getAttribute && event.target.getAttribute('{MARK}');
    if (mark !== null) window.__llmlabFocus.push(Number(mark));
  }});
  if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();
  window.scrollTo(0, 0);
  return true;
}}"""

_JS_FOCUSED = "() => [...new Set(window.__llmlabFocus || [])]"

# Donne le focus au curseur numéro n ; null s'il a disparu (une cellule OJS recalculée) ou
# refuse le focus.
_JS_FOCUS_RANGE = f"""(n) => {{
  const el = document.querySelector(`[{MARK}="${{n}}"]`);
  if (!el) return null;
  el.focus();
  if (document.activeElement !== el) return null;
  const min = el.min === '' ? 0 : Number(el.min), max = el.max === '' ? 100 : Number(el.max);
  return {{value: el.value, movable: max > min, atMax: Number(el.value) >= max}};
}}"""

_JS_RANGE_VALUE = f"""(n) => {{
  const el = document.querySelector(`[{MARK}="${{n}}"]`);
  return el ? el.value : null;
}}"""


def _tab_walk(page, wanted: set[int], bound: int) -> tuple[set[int], int]:
    """Presse Tab depuis le haut de la page jusqu'à avoir vu ``wanted`` ou ``bound`` fois ;
    rend les numéros des commandes qui ont reçu le focus et le nombre de pressions."""
    page.evaluate(_JS_FOCUS_LOG)
    seen: set[int] = set()
    presses = 0
    while presses < bound and not wanted <= seen:
        for _ in range(min(TABS_PER_CHECK, bound - presses)):
            page.keyboard.press("Tab")
            presses += 1
        seen = set(page.evaluate(_JS_FOCUSED))
    return seen, presses


def _press_arrow(page, index: int) -> dict | None:
    """Flèche droite (gauche s'il est au maximum) sur le curseur numéro ``index`` :
    ``{"key", "before", "after"}``, ou None s'il ne peut pas bouger ou a disparu."""
    before = page.evaluate(_JS_FOCUS_RANGE, index)
    if before is None or not before["movable"]:
        return None
    key = "ArrowLeft" if before["atMax"] else "ArrowRight"
    page.keyboard.press(key)
    after = page.evaluate(_JS_RANGE_VALUE, index)
    return None if after is None else {"key": key, "before": before["value"], "after": after}


def inspect_keyboard(page) -> dict:
    """Ce que la page ouverte offre au clavier, relevé dans Chromium : ``controls`` (chacune
    avec ``what``, ``named``, ``reached`` et, pour un curseur, ``arrow``), ``mouseOnly``,
    ``unnamedGroups`` et ``presses`` (les pressions de Tab : 0 sans commande).

    Pose un numéro (``data-llmlab-clavier``) sur chaque commande, déplace le focus et bouge
    les curseurs : à appeler après la capture d'écran."""
    found = page.evaluate(_JS_CONTROLS)
    controls = found["controls"]
    found["presses"] = 0
    if not controls:
        return found
    bound = min(MAX_TABS, found["tabbable"] + 3)  # + le document, et une marge
    seen, found["presses"] = _tab_walk(page, {c["index"] for c in controls}, bound)
    reached_groups = {c["group"] for c in controls if c["index"] in seen}
    for control in controls:
        control["reached"] = control["group"] in reached_groups
        reachable = control["range"] and control["index"] in seen
        control["arrow"] = _press_arrow(page, control["index"]) if reachable else None
    return found


def _tab_stop(tabindex: str | None) -> bool:
    """Un ``tabindex`` qui met l'élément dans l'ordre de Tab (0 ou plus)."""
    try:
        return tabindex is not None and int(tabindex) >= 0
    except ValueError:
        return False


def keyboard_problems(found: dict) -> list[tuple[str, str]]:
    """Le verdict sur un relevé d'``inspect_keyboard`` : ``(nature, détail)`` par problème,
    dans l'ordre de la page."""
    problems = []
    for item in found["mouseOnly"]:
        reach = (
            "Tab l'atteint (tabindex) mais rien ne dit que c'est une commande : "
            '<button>, ou role="button" et Entrée'
            if _tab_stop(item["tabindex"])
            else 'la souris seule l\'atteint : <button>, ou tabindex="0" et role="button"'
        )
        problems.append(
            (KEYBOARD_UNREACHABLE, f"{item['what']} réagit au clic (onclick) ; {reach}")
        )
    for control in found["controls"]:
        if not control["reached"]:
            tabindex = control["tabindex"]
            why = f" (tabindex={tabindex})" if tabindex not in (None, "0") else ""
            problems.append(
                (KEYBOARD_UNREACHABLE, f"{control['what']} : Tab ne l'atteint jamais{why}")
            )
        if not control["named"]:
            problems.append(
                (
                    UNNAMED_CONTROL,
                    f"{control['what']} : ni <label>, ni aria-label, ni aria-labelledby, ni "
                    "title ; un lecteur d'écran ne dit pas ce qu'elle règle",
                )
            )
        arrow = control.get("arrow")
        if arrow and arrow["after"] == arrow["before"]:
            side = "gauche" if arrow["key"] == "ArrowLeft" else "droite"
            problems.append(
                (
                    STUCK_SLIDER,
                    f"{control['what']} : la flèche {side} laisse la valeur à {arrow['before']}",
                )
            )
    for group in found["unnamedGroups"]:
        problems.append(
            (
                UNNAMED_CONTROL,
                f"groupe de {group['count']} boutons radio près de « {group['around']} » : ni "
                '<fieldset> et <legend>, ni role="radiogroup" nommé ; chaque bouton ne dit que '
                "sa valeur",
            )
        )
    return problems


def keyboard_findings(page) -> list[tuple[str, str]]:
    """Les problèmes de clavier de la page ouverte (``inspect_keyboard``, puis le verdict)."""
    return keyboard_problems(inspect_keyboard(page))


_JS_IMAGES = (
    "(deck) => {"
    + _JS_COMMON
    + r"""
const EXCLUDED = 'aside.notes, .notes, .slide-background, script, style, noscript, template';
const FIGURE_CLASSES = ['cell-output-display', 'quarto-figure'];
const FIGURE = 'figure, .cell-output-display, .quarto-figure';
const root = deck ? document.querySelector('.reveal .slides') : document.body;
if (!root) return [];
const slides = deck && window.Reveal ? Reveal.getSlides() : [];
const where = (el) => {
  if (!deck) return {slide: null, title: ''};
  const slide = el.closest('section');
  const heading = slide && slide.querySelector('h1, h2, h3');
  const n = slides.indexOf(slide);
  return {slide: n >= 0 ? n + 1 : null, title: heading ? flat(heading.textContent) : ''};
};
// reveal.js pose aria-hidden="true" sur chaque diapositive qui n'est pas affichée : ce n'est
// pas l'auteur qui déclare l'image décorative, et ces diapositives se lisent aussi.
const hidden = (el) => {
  const declared = el.closest('[aria-hidden=true]');
  return (!!declared && !(deck && declared.matches('.reveal .slides section')))
    || ['presentation', 'none'].includes((el.getAttribute('role') || '').trim());
};
const found = [];
for (const img of root.querySelectorAll('img')) {
  // Dans un deck, seule la diapositive présente est affichée : on lit toutes les autres aussi.
  if (img.closest(EXCLUDED) || (!deck && !visible(img))) continue;
  const alt = img.getAttribute('alt');
  if (flat(alt) || flat(img.getAttribute('aria-label')) || labelledBy(img)) continue;
  if (alt !== null && hidden(img)) continue;  // décorative, et déclarée comme telle
  if (alt === null && img.getAttribute('aria-hidden') === 'true') continue;
  const src = (img.getAttribute('src') || img.getAttribute('data-src') || '')
    .split('/').slice(-2).join('/');
  const why = alt === null ? "pas d'attribut alt (#| fig-alt dans le chunk)"
    : 'alt vide sans role="presentation" : une figure a besoin de son texte, '
      + 'une image décorative le déclare';
  found.push({what: `${describe(img)} (${short(src)})`, why, ...where(img)});
}
for (const svg of root.querySelectorAll('svg')) {
  if (svg.parentElement.closest('svg') || svg.closest(EXCLUDED) || (!deck && !visible(svg))) continue;
  // Un diagramme mermaid, où qu'il soit : son nom et sa description viennent de accTitle et
  // accDescr, que mermaid écrit dans <title> et <desc> reliés par aria-labelledby et
  // aria-describedby (relevé sur mermaid 11.17 dans Chromium).
  if (svg.matches('.mermaid-js') || svg.hasAttribute('aria-roledescription')) {
    // Un SVG d'erreur (aria-roledescription="error") : browser.py signale déjà le diagramme échoué.
    if (hidden(svg) || svg.getAttribute('aria-roledescription') === 'error' || svg.querySelector('.error-text')) continue;
    const missing = [];
    if (!(flat(svg.getAttribute('aria-label')) || labelledBy(svg))) missing.push('accTitle');
    if (!describedBy(svg)) missing.push('accDescr');
    if (!missing.length) continue;
    const node = svg.querySelector('.nodeLabel, text');
    found.push({what: `diagramme mermaid ${describe(svg)}` + (node ? ` (« ${short(node.textContent)} »…)` : ''),
      why: `sans ${missing.join(' ni ')} : mermaid n'écrit alors `
        + (missing.length === 2 ? 'ni <title> ni <desc>' : missing[0] === 'accTitle' ? 'pas de <title>' : 'pas de <desc>'),
      ...where(svg)});
    continue;
  }
  const figure = svg.closest(FIGURE);
  if (!figure || hidden(svg)) continue;
  // Pastille de légende ou icône : posée à côté de son texte, qui la nomme.
  const besideText = [...svg.parentElement.childNodes]
    .some((n) => n.nodeType === Node.TEXT_NODE && flat(n.textContent));
  if (besideText) continue;
  const title = svg.querySelector(':scope > title');
  const named = flat(svg.getAttribute('aria-label')) || labelledBy(svg) || (title && flat(title.textContent));
  if (named) continue;
  const container = figure.matches('figure') ? 'figure'
    : '.' + FIGURE_CLASSES.find((c) => figure.classList.contains(c));
  const why = 'ni aria-label, ni aria-labelledby, ni <title> (ariaLabel de Plot.plot)';
  found.push({what: `${describe(svg)} dans ${container}`, why, ...where(svg)});
}
return found;
}"""
)


def image_findings(page, deck: bool = False) -> list[dict]:
    """Les images sans texte alternatif de la page ouverte (ou de toutes les diapositives d'un
    deck) : ``{"kind", "detail", "slide", "title"}``, ``slide`` valant None pour une page."""
    return [
        {
            "kind": MISSING_ALT,
            "detail": f"{item['what']} : {item['why']}",
            "slide": item["slide"],
            "title": item["title"],
        }
        for item in page.evaluate(_JS_IMAGES, deck)
    ]
