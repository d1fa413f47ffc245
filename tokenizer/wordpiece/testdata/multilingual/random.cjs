// Makes random.json: 1,500 random texts (fixed seed) drawn from many
// scripts, combining marks, emoji sequences, spaces, control and format
// characters and the added tokens, with their ids from HF's Rust tokenizers
// (npm tokenizers@0.23.2) on the tokenizer.json given.
// usage: NODE_PATH=/tmp/x/node_modules node random.cjs tokenizer.json > random.json
const { Tokenizer } = require("tokenizers");
const path = require("path");
let seed = 20261204;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const pick = (a) => a[Math.floor(rand() * a.length)];
const ranges = [
  [0x20, 0x7e], [0xa0, 0x24f], [0x300, 0x36f], [0x370, 0x3ff], [0x400, 0x4ff], [0x530, 0x58f], [0x590, 0x5ff],
  [0x600, 0x6ff], [0x900, 0x97f], [0xb80, 0xbff], [0xe00, 0xe7f], [0x10a0, 0x10ff], [0x1100, 0x11ff], [0x1e00, 0x1eff],
  [0x2000, 0x206f], [0x2100, 0x218f], [0x2460, 0x24ff], [0x3000, 0x30ff], [0x3130, 0x318f], [0x3300, 0x33ff],
  [0x4e00, 0x4fff], [0xac00, 0xad00], [0xfb00, 0xfb4f], [0xfe00, 0xfe0f], [0xff00, 0xffef], [0x1f300, 0x1f64f],
  [0x1f1e6, 0x1f1ff], [0x1f3fb, 0x1f3ff], [0x10400, 0x1044f], [0x0, 0x1f],
];
const extras = [" ", " ", " ", "  ", "\u200d", "\u200b", "\ufeff", "\u00ad", "[MASK]", "[CLS]", "[SEP]", "[PAD]", "[UNK]", "\r\n", "\t"];
const text = () => {
  let s = "";
  const n = 1 + Math.floor(rand() * 24);
  for (let i = 0; i < n; i++) {
    if (rand() < 0.2) { s += pick(extras); continue; }
    const [lo, hi] = pick(ranges);
    let cp = lo + Math.floor(rand() * (hi - lo + 1));
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0x41;
    s += String.fromCodePoint(cp);
  }
  return s;
};
(async () => {
  const tok = Tokenizer.fromFile(process.argv[2]);
  const out = [];
  for (let i = 0; i < 1500; i++) {
    const t = text();
    const e = await tok.encode(t);
    out.push(JSON.stringify({ text: t, ids: Array.from(e.getIds()) }));
  }
  process.stdout.write("[\n" + out.join(",\n") + "\n]\n");
})();
