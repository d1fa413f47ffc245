package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"reflect"
	"strings"

	"github.com/splade-go/splade/internal/corpus"
)

// resumeState is what `splade encode --resume OUT` keeps beside OUT, in
// OUT.resume: the model and settings of the command and a fingerprint of
// the input records whose lines OUT holds. OUT itself stays plain output
// that any loader reads. A rerun checks the state before appending:
// another model, other settings or other input are refused.
type resumeState struct {
	Command  string            `json:"command"`
	Model    modelIdentity     `json:"model"`
	Settings map[string]string `json:"settings"`
	Input    inputPrint        `json:"input"` // the records whose lines OUT holds
}

// resumeSuffix names the state file: OUT + resumeSuffix.
const resumeSuffix = ".resume"

// resumeFile is an output file being resumed and its state.
type resumeFile struct {
	name  string
	file  *os.File
	state resumeState
}

// openResume opens the --resume file name for appending, creating it and
// its state file if needed, for a run whose model and settings are want.
// It refuses a file without its state (not written by --resume: perhaps
// the input itself, or another tool's output) and a state of another
// model or other settings. The lines past the state's records (written
// after the state was last saved) and a partial last line, left by a
// process killed while writing, are cut off.
func openResume(name string, want resumeState) (*resumeFile, error) {
	file, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("--resume: %w", err)
	}
	rf := &resumeFile{name: name, file: file, state: want}
	fail := func(err error) (*resumeFile, error) {
		file.Close()
		return nil, err
	}
	fi, err := file.Stat()
	if err != nil {
		return fail(fmt.Errorf("--resume: %w", err))
	}
	if fi.Size() == 0 {
		return rf, rf.save() // a new output: nothing to append to
	}
	data, err := os.ReadFile(name + resumeSuffix)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fail(fmt.Errorf("--resume: %s holds %d bytes but has no resume state %s: it was not written by splade encode --resume; move it away or name a new file", name, fi.Size(), name+resumeSuffix))
	case err != nil:
		return fail(fmt.Errorf("--resume: %w", err))
	}
	var got resumeState
	if err := json.Unmarshal(data, &got); err != nil {
		return fail(fmt.Errorf("--resume: %s: %v; delete it and %s to start over", name+resumeSuffix, err, name))
	}
	if diff := got.differences(want); diff != "" {
		return fail(fmt.Errorf("--resume: %s was written %s; rerun with the same model, settings and --shard, or name a new file", name, diff))
	}
	// Keep the lines of the recorded records.
	r := bufio.NewReaderSize(file, 256<<10)
	var end int64
	for n := 0; n < got.Input.Records; n++ {
		line, err := r.ReadBytes('\n')
		if err == io.EOF {
			return fail(fmt.Errorf("--resume: %s holds %d complete lines but its state %s records %d: it was changed since; delete both to start over", name, n, name+resumeSuffix, got.Input.Records))
		}
		if err != nil {
			return fail(fmt.Errorf("--resume: reading %s: %w", name, err))
		}
		end += int64(len(line))
	}
	if err := file.Truncate(end); err != nil {
		return fail(fmt.Errorf("--resume: %w", err))
	}
	if _, err := file.Seek(end, io.SeekStart); err != nil {
		return fail(fmt.Errorf("--resume: %w", err))
	}
	rf.state.Input = got.Input
	return rf, nil
}

// differences describes how s differs from want, the state of this run:
// "" when they match.
func (s resumeState) differences(want resumeState) string {
	var d []string
	if s.Command != want.Command {
		d = append(d, fmt.Sprintf("by splade %s, not %s", s.Command, want.Command))
	}
	if s.Model != want.Model {
		d = append(d, fmt.Sprintf("with model %+v, not %+v", s.Model, want.Model))
	}
	if !reflect.DeepEqual(s.Settings, want.Settings) {
		for k, v := range want.Settings {
			if s.Settings[k] != v {
				d = append(d, fmt.Sprintf("with --%s %q, not %q", k, s.Settings[k], v))
			}
		}
		for k, v := range s.Settings {
			if _, ok := want.Settings[k]; !ok {
				d = append(d, fmt.Sprintf("with --%s %q", k, v))
			}
		}
	}
	return strings.Join(d, ", ")
}

// save writes the state beside the output, atomically: a kill leaves
// the old state or the new one.
func (rf *resumeFile) save() error {
	data, err := json.MarshalIndent(rf.state, "", "  ")
	if err != nil {
		return err
	}
	tmp := rf.name + resumeSuffix + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("--resume: saving the state: %w", err)
	}
	if err := os.Rename(tmp, rf.name+resumeSuffix); err != nil {
		return fmt.Errorf("--resume: saving the state: %w", err)
	}
	return nil
}

// written records that the lines of recs are in the output (flushed).
func (rf *resumeFile) written(recs []corpus.Record) error {
	for _, r := range recs {
		rf.state.Input.add(r)
	}
	return rf.save()
}

// skip returns src without the records whose lines the output already
// holds, after checking that they are the records of the state.
func (rf *resumeFile) skip(src source) source {
	return &skipSource{src: src, file: rf.name, done: rf.state.Input}
}

// skipSource skips the records whose lines a --resume file already holds.
type skipSource struct {
	src     source
	file    string
	done    inputPrint // the records to skip
	checked bool
}

func (s *skipSource) next() (corpus.Record, error) {
	if !s.checked {
		s.checked = true
		want := s.done
		var got inputPrint
		for got.Records < want.Records {
			r, err := s.src.next()
			if err == io.EOF {
				return r, fmt.Errorf("--resume: %s holds the lines of %d texts but the input has only %d: it was written from other input", s.file, want.Records, got.Records)
			}
			if err != nil {
				return r, err
			}
			got.add(r)
		}
		if got.SHA256 != want.SHA256 {
			return corpus.Record{}, fmt.Errorf("--resume: %s was written from other input (its first %d texts differ from this input's); rerun with the same input, or name a new file", s.file, want.Records)
		}
	}
	return s.src.next()
}
