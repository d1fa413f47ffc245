// Adds HF's ids to texts.json: writes expected.json = [{text, ids}] from HF's Rust
// tokenizers (npm tokenizers@0.23.2) on tokenizer.json.
// usage: NODE_PATH=/tmp/x/node_modules node reference.cjs
const { Tokenizer } = require("tokenizers");
const fs = require("fs");
(async () => {
  const tok = Tokenizer.fromFile("tokenizer.json");
  const out = [];
  for (const text of JSON.parse(fs.readFileSync("texts.json", "utf8"))) {
    const e = await tok.encode(text);
    out.push({ text, ids: Array.from(e.getIds()) });
  }
  fs.writeFileSync("expected.json", "[\n" + out.map((o) => JSON.stringify(o)).join(",\n") + "\n]\n");
})();
