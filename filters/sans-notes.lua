--[[
sans-notes.lua : retire les notes de l'enseignant (blocs ::: {.notes}) des diapositives.

Déclaré seulement par le profil des élèves (_quarto-etudiant.yml, le profil par défaut) : le
site des élèves n'a pas les notes, celui de l'enseignant (quarto render --profile enseignant)
les garde pour la vue présentateur (touche S). Tout autre bloc reste tel quel.
]]

function Div(div)
  if div.classes:includes("notes") then
    return {}
  end
end
