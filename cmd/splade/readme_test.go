package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/splade-go/splade/internal/testutil/reference"
)

// readmeBlock is a code block of the README: its lines, and the language
// of a fenced block ("" for an indented one).
type readmeBlock struct {
	lang  string
	line  int // 1-based line of its first line
	lines []string
}

// readmeBlocks splits markdown into its code blocks.
func readmeBlocks(md string) []readmeBlock {
	var blocks []readmeBlock
	lines := strings.Split(md, "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if lang, ok := strings.CutPrefix(l, "```"); ok {
			b := readmeBlock{lang: lang, line: i + 2}
			for i++; i < len(lines) && !strings.HasPrefix(lines[i], "```"); i++ {
				b.lines = append(b.lines, lines[i])
			}
			blocks = append(blocks, b)
			continue
		}
		if strings.HasPrefix(l, "    ") && (i == 0 || strings.TrimSpace(lines[i-1]) == "") {
			b := readmeBlock{line: i + 1}
			for ; i < len(lines) && (strings.HasPrefix(lines[i], "    ") || strings.TrimSpace(lines[i]) == "" && i+1 < len(lines) && strings.HasPrefix(lines[i+1], "    ")); i++ {
				b.lines = append(b.lines, strings.TrimPrefix(lines[i], "    "))
			}
			blocks = append(blocks, b)
		}
	}
	return blocks
}

// page is a markdown file of the repository and its code blocks.
type page struct {
	name   string
	blocks []readmeBlock
}

// readmeCommand is a shell command of an indented README block and the
// output the README shows after it.
type readmeCommand struct {
	line int
	cmd  string
	want []string
}

// commandStartRE matches the lines of indented blocks that are commands
// rather than output: they start with an environment assignment or a
// command name.
var commandStartRE = regexp.MustCompile(`^([A-Z_]+=\S*\s|splade |printf |rm |wc |sort |cat |curl |go |npm |node_modules/|cd |awk |/usr/bin/|export |\(|mkdir )`)

func readmeCommands(b readmeBlock) []readmeCommand {
	var cmds []readmeCommand
	cont := false
	for i, l := range b.lines {
		switch {
		case cont:
			cmds[len(cmds)-1].cmd += "\n" + l
		case commandStartRE.MatchString(l):
			cmds = append(cmds, readmeCommand{line: b.line + i, cmd: l})
		case len(cmds) > 0 && l != "":
			cmds[len(cmds)-1].want = append(cmds[len(cmds)-1].want, l)
		}
		cont = strings.HasSuffix(l, `\`)
	}
	return cmds
}

// modelFlagRE finds the --model values of a command.
var modelFlagRE = regexp.MustCompile(`--model (\S+)`)

// TestREADMECommands checks the README and the pages of docs/ as a
// newcomer meets them on a fresh machine, whose Go is older than go.mod
// asks for and set to fetch the newer one (GOTOOLCHAIN=auto, Go's
// default, which the README's install section asks for): the README's
// commands carry no environment prefix; its build command writes into a
// folder git ignores; every CLI example with a local model in an indented
// block of any page runs as written (with the binary the build command
// makes on PATH, and /tmp/ moved into a temporary folder) and prints the
// output shown ("..." stands for anything); the worker build command
// runs with its placeholders filled in; and the recipe for using the
// library from a clone builds and prints what it says. Fenced blocks
// are not run (docs/testing.md states the convention).
func TestREADMECommands(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the README's commands; skipped with -short")
	}
	root := reference.Root(t)
	md, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := readmeBlocks(string(md))
	pages := []page{{"README.md", blocks}}
	docs, _ := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	for _, d := range docs {
		b, err := os.ReadFile(d)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, page{filepath.Join("docs", filepath.Base(d)), readmeBlocks(string(b))})
	}
	tmp := t.TempDir()
	// The environment of a fresh machine: no toolchain or experiment
	// settings of ours but the GOTOOLCHAIN=auto the README asks for.
	var env []string
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); k == "GOTOOLCHAIN" || k == "GOEXPERIMENT" || k == "GOFLAGS" || k == "PATH" {
			continue
		}
		env = append(env, kv)
	}
	// go test puts its own toolchain's bin first on PATH; a newcomer's
	// shell has the system's go.
	path := []string{filepath.Join(tmp, "bin")}
	for _, p := range filepath.SplitList(os.Getenv("PATH")) {
		if p != filepath.Join(runtime.GOROOT(), "bin") && !strings.Contains(p, "golang.org/toolchain") {
			path = append(path, p)
		}
	}
	bin := path[0]
	env = append(env, "GOTOOLCHAIN=auto", "PATH="+strings.Join(path, string(os.PathListSeparator)), "HF_HUB_OFFLINE=1", "HF_HUB_CACHE="+filepath.Join(tmp, "hf"))
	sh := func(dir, script string) (string, error) {
		start := time.Now()
		defer func() {
			if d := time.Since(start); d > 5*time.Second {
				t.Logf("%.1f s: %.60s", d.Seconds(), script)
			}
		}()
		cmd := exec.Command("bash", "-e", "-o", "pipefail", "-c", script)
		cmd.Dir, cmd.Env = dir, env
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		if err != nil {
			return out.String(), &scriptError{err, errb.String()}
		}
		return out.String(), nil
	}

	// The README's commands are plain: no GOTOOLCHAIN=... or
	// GOEXPERIMENT=... before them.
	envPrefixRE := regexp.MustCompile(`(^|[\s;&(])(GOTOOLCHAIN|GOEXPERIMENT)=\S*\s+(go|splade)\b`)
	var build string
	for _, b := range blocks {
		if b.lang != "" && b.lang != "sh" {
			continue
		}
		for i, l := range b.lines {
			if envPrefixRE.MatchString(l) {
				t.Errorf("README line %d sets the environment for a command (the README's commands are plain; say what to set once instead): %s", b.line+i, l)
			}
			if strings.Contains(l, "go build -o ") && strings.Contains(l, "./cmd/splade") {
				build = l
			}
		}
	}
	for _, span := range regexp.MustCompile("`([^`\n]+)`").FindAllStringSubmatch(string(md), -1) {
		if envPrefixRE.MatchString(span[1]) {
			t.Errorf("README sets the environment for a command (the README's commands are plain): %s", span[1])
		}
	}

	// The build command, into a temporary bin/; the README's bin/ must be
	// ignored by git, so that the build leaves git status clean.
	if build == "" {
		t.Fatal("the README has no go build -o ... ./cmd/splade command")
	}
	out := regexp.MustCompile(`-o (\S+)`).FindStringSubmatch(build)[1]
	if _, err := exec.LookPath("git"); err == nil {
		if _, err := os.Stat(filepath.Join(root, ".git")); err == nil {
			if o, err := exec.Command("git", "-C", root, "check-ignore", "-q", out).CombinedOutput(); err != nil {
				t.Errorf("the README builds into %s, which git does not ignore (git status would show it): %v %s", out, err, o)
			}
		}
	}
	if o, err := sh(root, strings.Replace(build, "-o "+out, "-o "+filepath.Join(bin, "splade"), 1)); err != nil {
		t.Fatalf("README build command %q: %v\n%s", build, err, o)
	}

	// The binary of the build command (no GOEXPERIMENT): --version names
	// the engine; the go engine says once that it runs slow, the default
	// engine says nothing.
	if o, err := sh(root, "splade --version"); err != nil || !strings.HasPrefix(o, "splade ") || !strings.Contains(o, "\nengine: ") {
		t.Errorf("splade --version: %v\n%s", err, o)
	}
	if runtime.GOARCH == "amd64" {
		o, err := sh(root, "splade encode --model testdata/tiny-bert --backend go x 2>&1 >/dev/null")
		if err != nil || strings.Count(o, "8x slower") != 1 || strings.Count(o, "\n") != 1 {
			t.Errorf("the go engine built without GOEXPERIMENT=simd: %v; stderr %q, want one warning line", err, o)
		}
	}
	if o, err := sh(root, "splade encode --model testdata/tiny-bert x 2>&1 >/dev/null"); err != nil || o != "" {
		t.Errorf("the default engine built without GOEXPERIMENT=simd: %v; stderr %q, want nothing", err, o)
	}

	ran := 0
	for _, pg := range pages {
		for _, b := range pg.blocks {
			if b.lang != "" {
				continue
			}
			for _, c := range readmeCommands(b) {
				script := c.cmd
				if strings.Contains(script, "go run ./worker/build -model DIR -out OUT") {
					// The worker build with its placeholders filled in.
					script = strings.NewReplacer(" DIR ", " testdata/tiny-bert ", " OUT ", " "+filepath.Join(tmp, "worker")+" ").Replace(script)
				} else if !runnable(root, c.cmd) {
					continue
				}
				script = strings.ReplaceAll(script, "/tmp/", tmp+"/")
				got, err := sh(root, script)
				if err != nil {
					t.Errorf("%s line %d: %s\n%v", pg.name, c.line, c.cmd, err)
					continue
				}
				ran++
				if c.want == nil {
					continue
				}
				if !matchOutput(got, c.want) {
					t.Errorf("%s line %d: %s\nprints\n%s\nthe page shows\n%s", pg.name, c.line, c.cmd, got, strings.Join(c.want, "\n"))
				}
			}
		}
	}
	if ran < 8 {
		t.Errorf("ran only %d commands of README.md and docs/; the parser is missing some", ran)
	}
	t.Logf("ran %d commands of README.md and docs/", ran)

	// The recipe for using the library from a clone, beside a link to
	// this one.
	for i, b := range blocks {
		script := strings.Join(b.lines, "\n")
		if b.lang != "sh" || !strings.Contains(script, "go mod init") {
			continue
		}
		if err := os.Symlink(root, filepath.Join(tmp, "splade")); err != nil {
			t.Fatal(err)
		}
		got, err := sh(tmp, script)
		if err != nil {
			t.Fatalf("README line %d: the recipe for using the library from a clone fails: %v\n%s", b.line, err, got)
		}
		var want []string
		if i+1 < len(blocks) {
			want = blocks[i+1].lines
		}
		if !matchOutput(lastLines(got, len(want)), want) {
			t.Errorf("README line %d: the recipe prints\n%s\nthe README shows\n%s", b.line, got, strings.Join(want, "\n"))
		}
		return
	}
	t.Error("the README has no recipe for using the library from a clone (a sh block with go mod init)")
}

// runnable reports whether a README command can run here as written: a
// splade command with a local model, or one of the shell commands around
// them; not servers, not hub ids, not placeholders.
func runnable(root, cmd string) bool {
	first := strings.Fields(cmd)[0]
	switch first {
	case "printf", "rm", "wc", "sort":
		return true
	case "splade":
	default:
		if !strings.Contains(cmd, "go run ./cmd/splade") {
			return false
		}
	}
	if strings.Contains(cmd, " serve ") {
		return false
	}
	ms := modelFlagRE.FindAllStringSubmatch(cmd, -1)
	if len(ms) == 0 {
		return false
	}
	for _, m := range ms {
		if _, err := os.Stat(filepath.Join(root, m[1])); err != nil {
			return false
		}
	}
	return true
}

// matchOutput reports whether got is the lines want, where "..." in want
// stands for any text.
func matchOutput(got string, want []string) bool {
	var re strings.Builder
	re.WriteString(`^`)
	for i, w := range want {
		if i > 0 {
			re.WriteString(`\n`)
		}
		parts := strings.Split(w, "...")
		for j, p := range parts {
			if j > 0 {
				re.WriteString(`.*`)
			}
			re.WriteString(regexp.QuoteMeta(p))
		}
	}
	re.WriteString(`\n?$`)
	return regexp.MustCompile(re.String()).MatchString(got)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

type scriptError struct {
	err    error
	stderr string
}

func (e *scriptError) Error() string { return e.err.Error() + "; stderr: " + e.stderr }
