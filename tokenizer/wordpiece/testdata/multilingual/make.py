#!/usr/bin/python3
"""Makes tokenizer.json, a small multilingual uncased WordPiece tokenizer laid out as
bert-base-multilingual-uncased's (BertNormalizer lowercasing and stripping accents, CJK
characters split, BertPreTokenizer, [CLS] $A [SEP]), and texts.json, the texts to check.
The vocabulary: the special tokens, the words, word starts and ## pieces most frequent in
the texts after BERT's uncased normalization, and every character but a few (left out so
that [UNK] shows up). Then reference.cjs adds HF's ids.
usage: make.py CONFORMANCE_JSONL_GZ"""
import collections, gzip, json, sys, unicodedata

texts = [json.loads(l)["text"] for l in gzip.open(sys.argv[1], "rt", encoding="utf-8")][:400]
texts += [
    "", "   ", "Crème Brûlée à la carte", "ÅÄÖ åäö Ñandú São Paulo", "İstanbul IŞIK ılık", "Straße STRASSE",
    "ΟΔΟΣ Ελληνικά ά έ", "Ёлка ЙОГУРТ й", "中文文本测试，日本語のテキスト。", "한국어 텍스트 가나다", "ภาษาไทย ทดสอบ",
    "العَرَبِيَّة مرحبا", "हिन्दी क्षत्रिय", "தமிழ்", "ＦＵＬＬ　ｗｉｄｔｈ １２３", "emoji 😀 👍🏽 ok", "tab\tnew\nline\r\nend",
    "a\u0301 e\u0308 n\u0303", "ligature ﬁ ﬂ", "hyphen-ated, punct!? (yes) [no] {maybe}", "x" * 120, "supercalifragilistic" * 3,
    "[MASK] [CLS] inside [SEP] text", "mixed中文and English", "ǅemal ǈ", "ⅫⅣ ① ㍿", "control\u0000\u0007chars\u200b",
]

def normalize(t):
    t = "".join(" " if c in "\t\n\r" else c for c in t if not (ord(c) in (0, 0xFFFD) or unicodedata.category(c) in ("Cc", "Cf") and c not in "\t\n\r"))
    out = []
    for c in t:
        o = ord(c)
        cjk = 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0x20000 <= o <= 0x2A6DF or 0xF900 <= o <= 0xFAFF
        out.append(f" {c} " if cjk else c)
    t = "".join(out).lower()
    return "".join(c for c in unicodedata.normalize("NFD", t) if unicodedata.category(c) != "Mn")

def words(t):
    w, cur = [], ""
    for c in t:
        if c.isspace():
            if cur: w.append(cur)
            cur = ""
        elif unicodedata.category(c).startswith("P") or (33 <= ord(c) <= 47 or 58 <= ord(c) <= 64 or 91 <= ord(c) <= 96 or 123 <= ord(c) <= 126):
            if cur: w.append(cur)
            w.append(c); cur = ""
        else:
            cur += c
    if cur: w.append(cur)
    return w

wc, chars = collections.Counter(), collections.Counter()
for t in texts:
    for w in words(normalize(t)):
        wc[w] += 1
        chars.update(w)
vocab = ["[PAD]"] + [f"[unused{i}]" for i in range(5)] + ["[UNK]", "[CLS]", "[SEP]", "[MASK]"]
seen = set(vocab)
def add(tok):
    if tok not in seen:
        seen.add(tok); vocab.append(tok)
left_out = set(sorted(chars, key=lambda c: (chars[c], c))[:12])  # the rarest characters: [UNK]
for c in sorted(chars):
    if c not in left_out:
        add(c); add("##" + c)
for w, _ in wc.most_common(600):
    add(w)
    if len(w) > 3:
        add(w[:3]); add("##" + w[3:])
tok = {
    "version": "1.0", "truncation": None, "padding": None,
    "added_tokens": [{"id": vocab.index(t), "content": t, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True}
                     for t in ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")],
    "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True, "strip_accents": None, "lowercase": True},
    "pre_tokenizer": {"type": "BertPreTokenizer"},
    "post_processor": {"type": "TemplateProcessing",
        "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
        "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "[SEP]", "type_id": 0}},
                 {"Sequence": {"id": "B", "type_id": 1}}, {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
        "special_tokens": {t: {"id": t, "ids": [vocab.index(t)], "tokens": [t]} for t in ("[CLS]", "[SEP]")}},
    "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
    "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 100,
              "vocab": {t: i for i, t in enumerate(vocab)}},
}
json.dump(tok, open("tokenizer.json", "w", encoding="utf-8"), ensure_ascii=False)
json.dump(texts, open("texts.json", "w", encoding="utf-8"), ensure_ascii=False, indent=0)
print(len(vocab), "tokens,", len(texts), "texts")
