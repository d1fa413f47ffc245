package corpus

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// readAll reads every record of in, collecting line errors apart.
func readAll(t *testing.T, in string, f Format) ([]Record, []*LineError) {
	t.Helper()
	r := NewReader("in.jsonl", strings.NewReader(in), f)
	var recs []Record
	var bad []*LineError
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return recs, bad
		}
		var le *LineError
		if errors.As(err, &le) {
			bad = append(bad, le)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
	}
}

func TestReader(t *testing.T) {
	type want struct {
		id, text string
		line     int
	}
	for _, tc := range []struct {
		name string
		f    Format
		in   string
		want []want
		bad  []int // lines of the line errors
	}{
		{"text: every line, blank and CRLF too", Text, "a\r\n\nb", []want{{"0", "a", 1}, {"1", "", 2}, {"2", "b", 3}}, nil},
		{"jsonl: ids, record numbers, blank lines", JSONL,
			"{\"id\": \"x\", \"text\": \"a\"}\n\n{\"text\": \"b\"}\n{\"id\": 7, \"text\": \"c\"}\n",
			[]want{{`"x"`, "a", 1}, {"1", "b", 3}, {"7", "c", 4}}, nil},
		{"jsonl: a BEIR line keeps _id and joins the title", JSONL,
			`{"_id": "d1", "title": "Wings", "text": " lift "}` + "\n" + `{"id": 1, "_id": "d2", "text": " as is "}`,
			[]want{{`"d1"`, "Wings  lift", 1}, {"1", " as is ", 2}}, nil},
		{"beir: title joined, empty title trimmed", BEIR,
			`{"_id": "1", "title": "Flow", "text": "over a plate"}` + "\n" + `{"_id": 2, "title": "", "text": " bare "}` + "\n" + `{"_id": "3", "text": "no title"}`,
			[]want{{`"1"`, "Flow over a plate", 1}, {"2", "bare", 2}, {`"3"`, "no title", 3}}, nil},
		{"malformed lines are errors and reading goes on", JSONL,
			"{\"text\": \"a\"}\n{\"text\": \"b\"\n{\"text\": 3}\n{\"id\": 1}\n{\"text\": \"c\"}\n",
			[]want{{"0", "a", 1}, {"4", "c", 5}}, []int{2, 3, 4}},
		{"beir needs _id", BEIR, `{"id": "1", "text": "t"}` + "\n" + `{"_id": null, "text": "t"}`, nil, []int{1, 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			recs, bad := readAll(t, tc.in, tc.f)
			if len(recs) != len(tc.want) {
				t.Fatalf("%d records %+v, want %d", len(recs), recs, len(tc.want))
			}
			for i, w := range tc.want {
				if r := recs[i]; string(r.ID) != w.id || r.Text != w.text || r.Line != w.line {
					t.Errorf("record %d = (%s, %q, line %d), want (%s, %q, line %d)", i, r.ID, r.Text, r.Line, w.id, w.text, w.line)
				}
			}
			if len(bad) != len(tc.bad) {
				t.Fatalf("line errors %v, want lines %v", bad, tc.bad)
			}
			for i, line := range tc.bad {
				if bad[i].Line != line || bad[i].Name != "in.jsonl" || !strings.HasPrefix(bad[i].Error(), "in.jsonl line ") {
					t.Errorf("line error %d = %v (line %d), want line %d", i, bad[i], bad[i].Line, line)
				}
			}
		})
	}
}

func TestLineErrorMessages(t *testing.T) {
	for _, tc := range []struct {
		f        Format
		in, want string
	}{
		{JSONL, `{"text": 3}`, `in.jsonl line 1: "text" is a JSON number, want a string`},
		{BEIR, `{"_id": "1", "title": 2, "text": "t"}`, `in.jsonl line 1: "title" is a JSON number, want a string`},
		{JSONL, `{"id": 3}`, `in.jsonl line 1: no "text" string in the JSON object`},
		{JSONL, `[1]`, `in.jsonl line 1: not a JSON object {"id": ..., "text": "..."}`},
		{BEIR, `{"text": "t"}`, `in.jsonl line 1: no "_id" in the JSON object`},
	} {
		_, err := NewReader("in.jsonl", strings.NewReader(tc.in), tc.f).Next()
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s %s: error %v, want %q", tc.f, tc.in, err, tc.want)
		}
	}
}

func TestValidUTF8(t *testing.T) {
	// "\xe2\x82" is a truncated 3-byte sequence: one maximal invalid
	// subsequence, so one U+FFFD (Python's errors="replace").
	if got, replaced := ValidUTF8("a\xe2\x82b\xff\xfec"); got != "a\uFFFDb\uFFFD\uFFFDc" || !replaced {
		t.Errorf("ValidUTF8 = %q, %v", got, replaced)
	}
	if got, replaced := ValidUTF8("café"); got != "café" || replaced {
		t.Errorf("ValidUTF8 of valid text = %q, %v", got, replaced)
	}
	recs, _ := readAll(t, "{\"text\": \"caf\xe2\x82\"}\n", JSONL)
	if len(recs) != 1 || recs[0].Text != "caf\uFFFD" || !recs[0].Replaced {
		t.Errorf("records %+v, want one with U+FFFD, Replaced", recs)
	}
}

func TestCount(t *testing.T) {
	long := strings.Repeat("x", 600<<10) // longer than the read buffer
	for _, tc := range []struct {
		f    Format
		in   string
		want int
	}{
		{Text, "a\n\nb", 3},
		{Text, long + "\nb\n", 2},
		{JSONL, "{}\n\n  \n{}\n", 2},
		{BEIR, "{}\n" + long + "\n", 2},
	} {
		if n, err := Count(strings.NewReader(tc.in), tc.f); n != tc.want || err != nil {
			t.Errorf("Count(%s, %.20q) = %d, %v; want %d", tc.f, tc.in, n, err, tc.want)
		}
	}
}

func TestParseFormat(t *testing.T) {
	for _, f := range Formats() {
		if g, err := ParseFormat(string(f)); g != f || err != nil {
			t.Errorf("ParseFormat(%q) = %q, %v", f, g, err)
		}
	}
	if _, err := ParseFormat("csv"); err == nil {
		t.Error("ParseFormat(csv): no error")
	}
}

func TestNumberFrom(t *testing.T) {
	r := NewReader("b.txt", strings.NewReader("x\n{\"id\": 1, \"text\": \"y\"}\n"), Text)
	r.NumberFrom(10)
	for _, want := range []string{"10", "11"} {
		rec, err := r.Next()
		if err != nil || string(rec.ID) != want {
			t.Errorf("id %s, %v; want %s", rec.ID, err, want)
		}
	}
}
