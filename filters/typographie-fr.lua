--[[
typographie-fr.lua : les espaces insécables de la typographie française, pour tout le site.

Déclaré une seule fois à la racine de _quarto.yml (`filters:`), il s'applique aux pages comme
aux diapositives. On écrit le texte avec des espaces ordinaires (« mot : », « 5 % ») ; le
filtre remplace l'espace par une espace insécable, pour qu'un projecteur ne commence jamais
une ligne par « : », « ? » ou « » », et ne sépare pas un nombre de son unité.

Choix des espaces (usage de l'Imprimerie nationale, repris par le Lexique des règles
typographiques) :
  - U+202F, espace fine insécable, avant ; ? ! (l'espace y est plus étroite) ;
  - U+00A0, espace insécable (largeur d'un mot), avant : et à l'intérieur de « » ;
  - U+00A0 entre un nombre et son unité (12 cm, 5 %, 22,4 k$) ;
  - U+202F entre les groupes de trois chiffres (10 000), comme llmlab.display.french_number.

Ce qui n'est jamais touché : le code (Code, CodeBlock), les maths (Math), le HTML ou LaTeX
brut (RawInline, RawBlock), les adresses des liens et des images (ce sont des attributs, pas
du texte). Le filtre ne remplace que des espaces qui existent (Space, SoftBreak) ; une espace
déjà insécable fait partie du mot (Str) et reste telle quelle, sans être doublée.
]]

local NBSP = "\u{00A0}"
local NNBSP = "\u{202F}"

-- Unités courantes : « 404 quartiers » n'en est pas une et garde son espace ordinaire.
local UNITS = {}
for _, u in ipairs({
  "mm", "cm", "m", "km", "g", "kg", "mg", "s", "ms", "min", "h", "Ko", "Mo", "Go", "To",
  "Kio", "Mio", "Gio", "Tio", "%", "k$", "$", "€", "px", "pt", "Hz", "GHz", "MHz", "°C"
}) do UNITS[u] = true end

local function is_blank(el)
  return el and (el.t == "Space" or el.t == "SoftBreak")
end

-- L'espace qui précède ce mot, s'il commence par une ponctuation haute ou par » ; sinon nil.
local function space_before(text)
  local first = text:match("^[;?!]")
  if first then return NNBSP end
  if text:match("^:") or text:match("^»") then return NBSP end
  return nil
end

-- Le mot est-il une unité (éventuellement suivie d'une ponctuation : « 12 cm, », « 5 %) ») ?
local function is_unit(text)
  local core = text:gsub("[%.,;:!?%)%]»]+$", "")
  if core == "" then core = text end
  return UNITS[core] == true
end

local function ends_with_number(text)
  return text:match("%d$") ~= nil
end

-- « 10 000 », « 1 234 567 » : le mot précédent est un nombre dont le dernier groupe a 1 à
-- 3 chiffres (les groupes déjà joints sont séparés par U+202F), le suivant commence par un
-- groupe d'exactement trois chiffres. « 2024 2025 » n'est pas touché.
local function is_thousands(prev, nxt)
  local plain = prev:gsub(NNBSP, "")
  if not plain:match("^[%(%[]?%d+$") then return false end
  if #prev:match("(%d+)$") > 3 then return false end
  return nxt:match("^%d%d%d$") ~= nil or nxt:match("^%d%d%d[^%d]") ~= nil
end

-- Fusionne prev .. sep .. next en un seul Str.
local function join(prev, sep, nxt)
  return pandoc.Str(prev.text .. sep .. nxt.text)
end

function Inlines(inlines)
  local out = pandoc.List()
  local i = 1
  local n = #inlines
  while i <= n do
    local el = inlines[i]
    local nxt = inlines[i + 1]
    local after = inlines[i + 2]
    local prev = out[#out]
    if is_blank(el) and nxt and nxt.t == "Str" then
      local sep = space_before(nxt.text)
      if sep == nil and prev and prev.t == "Str" then
        if prev.text:match("«$") then
          sep = NBSP
        elseif is_thousands(prev.text, nxt.text) then
          sep = NNBSP
        elseif ends_with_number(prev.text) and is_unit(nxt.text) then
          sep = NBSP
        end
      end
      if sep and prev and prev.t == "Str" then
        out[#out] = join(prev, sep, nxt)
        i = i + 2
      elseif sep then
        -- après du code ou des maths : « `uv` : commande » garde le Code intact
        out:insert(pandoc.Str(sep .. nxt.text))
        i = i + 2
      else
        out:insert(el)
        i = i + 1
      end
    elseif is_blank(el) and prev and prev.t == "Str" and prev.text:match("«$") then
      -- « suivi de code ou de maths : « `x` »
      out[#out] = pandoc.Str(prev.text .. NBSP)
      i = i + 1
    else
      out:insert(el)
      i = i + 1
    end
  end
  return out
end

return { { Inlines = Inlines } }
