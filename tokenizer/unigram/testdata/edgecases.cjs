// Makes hf-edge-cases.json: edge-case texts and their ids from HF's Rust
// tokenizers (npm tokenizers@0.23.2) on the conformance tokenizer of
// ../shared/conformance/tokenizer-unigram and on variants of it, each a list
// of patches to its tokenizer.json that the Go test applies too.
// usage: cd /tmp/x && npm i tokenizers@0.23.2 && NODE_PATH=/tmp/x/node_modules node edgecases.cjs ../../../../shared/conformance/tokenizer-unigram > hf-edge-cases.json
const { Tokenizer } = require("tokenizers");
const fs = require("fs");
const os = require("os");
const path = require("path");
const dir = process.argv[2];
const base = JSON.parse(fs.readFileSync(path.join(dir, "tokenizer.json"), "utf8"));

// A patch sets the value at path (keys and indices) or, with append,
// appends the values to the array there.
const bytes = [];
for (let b = 0; b < 256; b++) bytes.push(["<0x" + b.toString(16).toUpperCase().padStart(2, "0") + ">", -30]);
const variants = {
  "as converted": [],
  "prepend first": [{ path: ["pre_tokenizer", "prepend_scheme"], value: "first" }],
  "prepend never, no split": [{ path: ["pre_tokenizer", "prepend_scheme"], value: "never" }, { path: ["pre_tokenizer", "split"], value: false }],
  "byte fallback": [{ path: ["model", "byte_fallback"], value: true }, { path: ["model", "vocab"], append: bytes }],
  "string replace, strip both": [
    { path: ["normalizer", "normalizers", 1], value: { type: "Strip", strip_left: true, strip_right: true } },
    { path: ["normalizer", "normalizers", 2], value: { type: "Replace", pattern: { String: "ab" }, content: "x y" } },
  ],
  "legacy Metaspace": [{ path: ["pre_tokenizer"], value: { type: "Metaspace", replacement: "▁", add_prefix_space: true } }],
  "WhitespaceSplit then Metaspace": [{ path: ["pre_tokenizer"], value: { type: "Sequence", pretokenizers: [
    { type: "WhitespaceSplit" }, { type: "Metaspace", replacement: "▁", prepend_scheme: "always", split: true }] } }],
  "WhitespaceSplit then Metaspace first": [{ path: ["pre_tokenizer"], value: { type: "Sequence", pretokenizers: [
    { type: "WhitespaceSplit" }, { type: "Metaspace", replacement: "▁", prepend_scheme: "first", split: true }] } }],
  "more added tokens": [
    { path: ["model", "vocab"], append: [["[R]", 0], ["w", 0], ["<n>", 0]] },
    { path: ["added_tokens"], append: [
      { id: 16002, content: "[R]", single_word: false, lstrip: false, rstrip: true, normalized: false, special: true },
      { id: 16003, content: "w", single_word: true, lstrip: false, rstrip: false, normalized: false, special: true },
      { id: 16004, content: "<n>", single_word: false, lstrip: false, rstrip: false, normalized: true, special: false },
    ] },
  ],
};
const texts = [
  "", " ", "   ", "\t\n", "a", " a", "a ", "a  b", "a   b c", "  leading and trailing  ", "\u00a0nbsp\u00a0here",
  "Hello, World! 123 ok?", "ＡＢＣ ①② ㍿ Ⅻ ǅ ﬁ", "a\u3000b", "a\u200bb\u200d", "soft\u00adhyphen", "\ufeffbom", "ctl\u0000\u0007x",
  "\u{13000}\u{13001} hieroglyphs", "\ue000\uf8ff private", "☃ ⓐ ♞", "😀 👍🏽 👨‍👩‍👧 ❤️ 🇫🇷 🏳️‍🌈",
  "e\u0301 Ａ\u0301 ﬁ\u0301 a\u0308\u0301 \u0301 ḱ̂ o\u0302\u0323\u0301", "\u1100\u1161\u11a8 한국어 ᄀ", "a\r\nb\rc\nd",
  "क्षि हिन्दी தமிழ் ไทย ภาษา العربيـــة עברית", "日本語のテキスト、中文文本。", "Ελληνικά Русский ქართული Հայերեն",
  "a".repeat(1000), "supercalifragilistic".repeat(50), "x".repeat(300) + " " + "😀".repeat(100),
  "<mask>", "hello <mask> world", "hello<mask>world", "<s>hi</s>", "<pad><unk>", "  <mask>", "<mask>  ", "<mas k>", "a <mask><mask> b",
  "[R]   after", "w w word wx w", "x<n>y <n> z", "ab cab", "a\u0301b",
];
const apply = (tj, patches) => {
  tj = JSON.parse(JSON.stringify(tj));
  for (const p of patches) {
    let o = tj;
    for (const k of p.path.slice(0, -1)) o = o[k];
    const last = p.path[p.path.length - 1];
    if (p.append) o[last] = o[last].concat(p.append); else o[last] = p.value;
  }
  return tj;
};
(async () => {
  const out = { reference: "npm tokenizers@0.23.2 (HF Rust tokenizers)", variants, cases: [] };
  for (const [name, patches] of Object.entries(variants)) {
    const file = path.join(os.tmpdir(), "unigram-variant.json");
    fs.writeFileSync(file, JSON.stringify(apply(base, patches)));
    const tok = Tokenizer.fromFile(file);
    for (const text of texts) {
      const e = await tok.encode(text);
      out.cases.push({ variant: name, text, ids: Array.from(e.getIds()) });
    }
  }
  process.stdout.write(JSON.stringify(out, null, 0).replace(/\{"variant"/g, '\n{"variant"') + "\n");
})();
