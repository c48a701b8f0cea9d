// Encodeur BPE du cours en JavaScript, pour les pages interactives.
//
// Il lit le JSON de llmlab.tokenizers.export_json(tokenizer) et applique les fusions comme
// BPETokenizer.encode (même découpage de GPT-2, même ordre des fusions) : tests/test_tokenizers.py
// compare les deux avec node. Les tokens spéciaux sont encodés comme du texte ordinaire (comme
// encode(texte, allowed_special="none") en Python), et un
// demi-caractère isolé (surrogate) devient « � » (TextEncoder) au lieu d'être refusé.
//
// Dans une page OJS :  import {loadBPE, encode, decode, tokens} from "./bpe.js"

// Prépare le tokenizer : table des fusions et vocabulaire (octets de chaque token).
export function loadBPE(data) {
  const merges = new Map();             // "gauche,droite" -> nouvel id
  const vocab = new Map();              // id -> octets du token
  data.byte_ids.forEach((id, byte) => vocab.set(id, [byte]));
  for (const [left, right, id] of data.merges) {
    merges.set(`${left},${right}`, id);
    vocab.set(id, [...vocab.get(left), ...vocab.get(right)]);
  }
  return {name: data.name, split: new RegExp(data.pattern, "gu"), byteIds: data.byte_ids,
          merges, vocab};
}

// Un morceau du découpage : on fusionne d'abord la paire apprise le plus tôt (le plus petit id).
function encodeChunk(bpe, bytes) {
  let ids = Array.from(bytes, (b) => bpe.byteIds[b]);
  while (ids.length >= 2) {
    let best = Infinity;
    for (let i = 0; i + 1 < ids.length; i++) {
      const id = bpe.merges.get(`${ids[i]},${ids[i + 1]}`);
      if (id !== undefined && id < best) best = id;
    }
    if (best === Infinity) break;       // plus aucune paire connue
    const out = [];
    for (let i = 0; i < ids.length; i++) {
      if (i + 1 < ids.length && bpe.merges.get(`${ids[i]},${ids[i + 1]}`) === best) {
        out.push(best);
        i++;
      } else {
        out.push(ids[i]);
      }
    }
    ids = out;
  }
  return ids;
}

// Les ids des tokens de text.
export function encode(bpe, text) {
  const utf8 = new TextEncoder();
  const ids = [];
  for (const match of text.matchAll(bpe.split)) ids.push(...encodeChunk(bpe, utf8.encode(match[0])));
  return ids;
}

// Le texte des ids (une suite d'octets UTF-8 incomplète devient « � »).
export function decode(bpe, ids) {
  const bytes = ids.flatMap((id) => {
    if (!bpe.vocab.has(id)) throw new Error(`Identifiant de token inconnu : ${id}`);
    return bpe.vocab.get(id);
  });
  return new TextDecoder("utf-8", {ignoreBOM: true}).decode(new Uint8Array(bytes));
}

// Les tokens de text, chacun avec son id et son texte : [{id, text}, …].
export function tokens(bpe, text) {
  return encode(bpe, text).map((id) => ({id, text: decode(bpe, [id])}));
}
