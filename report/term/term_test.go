package term_test

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"interloop/audit"
	"interloop/experiment"
	"interloop/report/term"
	"interloop/store"
)

func ExampleTable() {
	t := term.New(term.Col("arm"), term.Num("lie rate"), term.Col("outcome"))
	t.Add(term.Text("e2e/none"), term.Text("0.500±0.124"), term.Colored("blatant", term.Yellow))
	t.Add(term.Text("e2e/probe-loss"), term.Text("0.5"), term.Colored("obfuscated-activations", term.Red))
	t.Write(os.Stdout, false)
	// Output:
	// arm                lie rate  outcome
	// e2e/none        0.500±0.124  blatant
	// e2e/probe-loss          0.5  obfuscated-activations
}

func TestColors(t *testing.T) {
	tb := term.New(term.Col("a"), term.Num("b"))
	tb.Add(term.Colored("x", term.Red), term.Text("1"))
	var plain, color bytes.Buffer
	tb.Write(&plain, false)
	tb.Write(&color, true)
	if strings.Contains(plain.String(), "\x1b") {
		t.Errorf("colour without a terminal: %q", plain.String())
	}
	if !strings.Contains(color.String(), "\x1b[31mx\x1b[0m") || !strings.Contains(color.String(), "\x1b[1ma\x1b[0m") {
		t.Errorf("no colour when forced: %q", color.String())
	}
	// Aligned the same with and without colours once the codes are gone.
	stripped := strings.NewReplacer("\x1b[31m", "", "\x1b[1m", "", "\x1b[0m", "").Replace(color.String())
	if stripped != plain.String() {
		t.Errorf("alignment differs with colours:\n%q\n%q", stripped, plain.String())
	}
}

func TestColorfulOnlyOnATerminal(t *testing.T) {
	var buf bytes.Buffer
	if term.Colorful(&buf) {
		t.Error("a buffer is not a terminal")
	}
	f, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if term.Colorful(f) {
		t.Error("a file is not a terminal")
	}
	tb := term.New(term.Col("a"))
	tb.Add(term.Colored("x", term.Red))
	if err := tb.Render(f); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(f.Name())
	if strings.Contains(string(b), "\x1b") {
		t.Errorf("Render coloured a file: %q", b)
	}
}

// TestControlCharacters: a stored name cannot send escape sequences to the
// terminal.
func TestControlCharacters(t *testing.T) {
	tb := term.New(term.Col("arm"), term.Col("x"))
	tb.Add(term.Text("evil\x1b]0;pwned\x07\x1b[2J"), term.Text("ok"))
	var buf bytes.Buffer
	tb.Write(&buf, true)
	if strings.Contains(buf.String(), "\x1b]") || strings.Contains(buf.String(), "\x07") || strings.Contains(buf.String(), "\x1b[2J") {
		t.Errorf("control characters passed through: %q", buf.String())
	}
}

func TestSummaryTable(t *testing.T) {
	s := experiment.Summary{Seeds: 2, Arms: []experiment.ArmSummary{
		{Name: "a", Cells: map[string]experiment.Cell{"lie_rate_sampled": {Mean: 0.5, Lo: 0.4, Hi: 0.6, N: 2}},
			Outcomes: map[audit.Outcome]int{audit.Blatant: 2}, Runs: make([]*experiment.RunResult, 2)},
		{Name: "long-arm-name", Cells: map[string]experiment.Cell{},
			Outcomes: map[audit.Outcome]int{audit.ObfuscatedActivations: 1, audit.Honest: 1}, Runs: make([]*experiment.RunResult, 2)},
	}}
	var buf bytes.Buffer
	term.SummaryTable(s).Write(&buf, false)
	out := buf.String()
	lines := strings.Split(out, "\n")
	if !strings.HasPrefix(lines[1], "a              ") || !strings.Contains(lines[1], "0.500±0.100") || !strings.HasSuffix(lines[1], "truthful 2/2") {
		t.Errorf("row a: %q", lines[1])
	}
	if !strings.HasSuffix(lines[2], "fooled 1/2") || !strings.Contains(lines[2], "n/a") {
		t.Errorf("row long-arm-name: %q", lines[2])
	}
	if !strings.Contains(out, "over 2 seeds") {
		t.Errorf("no note: %s", out)
	}
}

func TestRunAndMetricTables(t *testing.T) {
	var buf bytes.Buffer
	term.RunTable([]*store.Run{{ID: "abc", Arm: "a", Seed: 1, Status: store.StatusFailed, Error: "boom\nat line 2"}}).Write(&buf, true)
	if !strings.Contains(buf.String(), "\x1b[31mfailed\x1b[0m") || !strings.Contains(buf.String(), "boom at line 2") {
		t.Errorf("run table: %q", buf.String())
	}
	buf.Reset()
	term.MetricTable([]store.Metric{{Name: "x", Value: 0.25}, {Name: "y", Value: nan()}}).Write(&buf, false)
	if buf.String() != "metric  value\nx        0.25\ny         n/a\n" {
		t.Errorf("metric table: %q", buf.String())
	}
}

func nan() float64 { return math.NaN() }
