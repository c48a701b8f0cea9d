// Les commandes d'Observable Inputs, nommées pour un lecteur d'écran.
//
// Inputs.range (0.12.0) dessine un champ numérique, que son <label> nomme, suivi d'un curseur
// <input type=range> que rien ne nomme : un lecteur d'écran annonce « curseur » sans dire ce
// qu'il règle (Chromium lui donne un nom vide). Inputs.radio et Inputs.checkbox écrivent leur
// intitulé dans un <label> rattaché à aucun bouton : chaque bouton ne dit que sa valeur
// (« 0,1 »), pas la grandeur qu'elle règle.
//
// accessibleInputs(Inputs) rend la même bibliothèque, où le curseur reçoit l'intitulé affiché
// (aria-label) et où le groupe de boutons devient un role="radiogroup" (ou "group") nommé. Le
// contrôle du site le vérifie dans Chromium avec la vraie bibliothèque
// (tests/harness/accessibility.py, tests/fixtures/site/pages/clavier-correct.html).
//
// Dans une page : voir interactif/_bibliotheques.qmd.

// Le texte du <label> d'un formulaire d'Inputs (son premier enfant), "" s'il n'en a pas.
function formLabel(form) {
  const label = form.querySelector(":scope > label");
  return label ? label.textContent.trim() : "";
}

function nameSlider(form) {
  const text = formLabel(form);
  const slider = form.querySelector("input[type=range]");
  if (text && slider) slider.setAttribute("aria-label", text);
  return form;
}

function nameGroup(form, role) {
  const text = formLabel(form);
  const group = form.querySelector(":scope > div");
  if (text && group) {
    group.setAttribute("role", role);
    group.setAttribute("aria-label", text);
  }
  return form;
}

export function accessibleInputs(Inputs) {
  return {
    ...Inputs,
    range: (...args) => nameSlider(Inputs.range(...args)),
    radio: (...args) => nameGroup(Inputs.radio(...args), "radiogroup"),
    checkbox: (...args) => nameGroup(Inputs.checkbox(...args), "group"),
  };
}
