package hf

import (
	"testing"
	"testing/fstest"
)

func TestMatcher(t *testing.T) {
	m := NewMatcher([]AddedToken{
		{ID: 1, Content: "<mask>", LStrip: true},
		{ID: 2, Content: "<m"},
		{ID: 3, Content: "[x]", RStrip: true},
		{ID: 4, Content: "w", SingleWord: true},
	})
	for _, c := range []struct {
		text       string
		start, end int
		id         int32
	}{
		{"a  <mask> b", 1, 9, 1}, // lstrip takes both spaces, longest wins over <m
		{"a <mb", 2, 4, 2},
		{"[x]  b", 0, 5, 3},
		{"aw w", 3, 4, 4}, // the first w touches a word
		{"nothing", -1, 0, 0},
	} {
		s, e, id := m.Next(c.text)
		if s != c.start || (s >= 0 && (e != c.end || id != c.id)) {
			t.Errorf("Next(%q) = %d %d %d, want %d %d %d", c.text, s, e, id, c.start, c.end, c.id)
		}
	}
}

func TestReadConfig(t *testing.T) {
	cfg, err := ReadConfig(fstest.MapFS{
		"tokenizer_config.json":   {Data: []byte(`{"tokenizer_class": "X", "model_max_length": 1e30, "pad_token": null, "mask_token": {"content": "<mask>", "lstrip": true}, "added_tokens_decoder": {"7": {"content": "<b>", "special": true}, "3": {"content": "<a>"}}}`)},
		"special_tokens_map.json": {Data: []byte(`{"pad_token": "<pad>", "mask_token": "[M]"}`)},
	}, "test")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Class != "X" || cfg.MaxLength != 0 || cfg.Pad.Name() != "<pad>" || cfg.Mask.Name() != "<mask>" || !cfg.Mask.LStrip || !cfg.Mask.Set {
		t.Errorf("config = %+v", cfg)
	}
	if len(cfg.AddedDecoder) != 2 || cfg.AddedDecoder[0].ID != 3 || cfg.AddedDecoder[1].Content != "<b>" || !cfg.AddedDecoder[0].IsNormalized() || cfg.AddedDecoder[1].IsNormalized() {
		t.Errorf("added_tokens_decoder = %+v", cfg.AddedDecoder)
	}
	if _, err := ReadConfig(fstest.MapFS{"tokenizer_config.json": {Data: []byte(`{"added_tokens_decoder": {"x": {}}}`)}}, "test"); err == nil {
		t.Error("a key that is not an id loaded")
	}
}

func TestAround(t *testing.T) {
	ids := map[string]int32{"<s>": 0, "</s>": 2}
	id := func(s string) (int32, bool) { v, ok := ids[s]; return v, ok }
	f, err := ParseFile([]byte(`{"post_processor": {"type": "TemplateProcessing",
		"single": [{"SpecialToken": {"id": "<s>"}}, {"Sequence": {"id": "A"}}, {"SpecialToken": {"id": "</s>"}}],
		"special_tokens": {"<s>": {"ids": [0]}, "</s>": {"ids": [2]}}}, "model": {}}`), "test")
	if err != nil {
		t.Fatal(err)
	}
	pre, suf, err := f.PostProcessor.Around(id, 4, "test")
	if err != nil || len(pre) != 1 || pre[0] != 0 || len(suf) != 1 || suf[0] != 2 {
		t.Errorf("Around = %v %v %v", pre, suf, err)
	}
	roberta := &PostProcessor{Type: "RobertaProcessing", CLS: []any{"<s>", 0.0}, SEP: []any{"</s>", 2.0}}
	if pre, suf, err := roberta.Around(id, 4, "test"); err != nil || pre[0] != 0 || suf[0] != 2 {
		t.Errorf("RobertaProcessing: %v %v %v", pre, suf, err)
	}
	if _, _, err := (&PostProcessor{Type: "Weird"}).Around(id, 4, "test"); err == nil {
		t.Error("an unknown post-processor was accepted")
	}
}

func TestIsNull(t *testing.T) {
	for raw, want := range map[string]bool{"": true, " null\n": true, "n": false, "{}": false, `"null"`: false} {
		if got := IsNull([]byte(raw)); got != want {
			t.Errorf("IsNull(%q) = %v, want %v", raw, got, want)
		}
	}
}
