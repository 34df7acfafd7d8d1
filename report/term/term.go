// Package term prints compact, aligned tables for the terminal, coloured
// only when the writer is a terminal.
//
// A Table is columns and rows of cells; Render pads every column to its
// widest cell (counting runes, so "±" and "×" are one column wide) and
// adds ANSI colours only when the writer is a terminal (an *os.File for
// which isatty says so) and the NO_COLOR environment variable is unset
// and TERM is not "dumb" (https://no-color.org). Write forces either mode,
// for tests and for callers that know better.
//
//	t := term.New(term.Col("arm"), term.Num("lie rate"))
//	t.Add(term.Text("e2e/none"), term.Text("0.500±0.124"))
//	t.Render(os.Stdout)
//
// SummaryTable and RunTable build the tables `interloop run`, `ls` and
// `show` print from the experiment and store types.
package term

import (
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/mattn/go-isatty"
)

// Color is a cell's colour (an ANSI SGR code); None is the terminal's own.
type Color int

// Colours.
const (
	None Color = iota
	Red
	Green
	Yellow
	Blue
	Magenta
	Cyan
	Gray
	Bold
)

var sgr = map[Color]string{Red: "31", Green: "32", Yellow: "33", Blue: "34", Magenta: "35", Cyan: "36", Gray: "90", Bold: "1"}

// Align is a column's alignment.
type Align int

// Alignments.
const (
	Left Align = iota
	Right
)

// Column is a column's title and alignment.
type Column struct {
	Title string
	Align Align
}

// Col is a left-aligned column; Num a right-aligned (numeric) one.
func Col(title string) Column { return Column{title, Left} }

// Num is a right-aligned column.
func Num(title string) Column { return Column{title, Right} }

// Cell is one cell: text and an optional colour.
type Cell struct {
	Text  string
	Color Color
}

// Text is an uncoloured cell.
func Text(s string) Cell { return Cell{Text: s} }

// Colored is a coloured cell.
func Colored(s string, c Color) Cell { return Cell{s, c} }

// Table is a table to print. The zero value has no columns; New makes one.
type Table struct {
	Columns []Column
	Rows    [][]Cell
	// Gap is the space between columns (0: two spaces).
	Gap int
	// Note, when set, is printed under the table.
	Note string
}

// New returns a table with the columns.
func New(cols ...Column) *Table { return &Table{Columns: cols} }

// Add appends a row; missing cells are empty and extra cells dropped.
func (t *Table) Add(cells ...Cell) {
	row := make([]Cell, len(t.Columns))
	copy(row, cells)
	t.Rows = append(t.Rows, row)
}

// Render writes the table, coloured when w is a terminal (see Colorful).
func (t *Table) Render(w io.Writer) error { return t.Write(w, Colorful(w)) }

// Write writes the table, coloured or not. Cell text is written as given
// except that control characters (an escape sequence hidden in a run or
// arm name) are replaced by '?', so a stored string cannot drive the
// terminal.
func (t *Table) Write(w io.Writer, color bool) error {
	gap := t.Gap
	if gap <= 0 {
		gap = 2
	}
	widths := make([]int, len(t.Columns))
	for i, c := range t.Columns {
		widths[i] = width(c.Title)
	}
	for _, r := range t.Rows {
		for i, c := range r {
			widths[i] = max(widths[i], width(clean(c.Text)))
		}
	}
	var b strings.Builder
	line := func(cells []Cell, header bool) {
		var ln strings.Builder
		for i, c := range cells {
			text := clean(c.Text)
			pad := strings.Repeat(" ", widths[i]-width(text))
			if i > 0 {
				ln.WriteString(strings.Repeat(" ", gap))
			}
			col := c.Color
			if header {
				col = Bold
			}
			if t.Columns[i].Align == Right {
				ln.WriteString(pad)
			}
			if color && col != None && text != "" {
				ln.WriteString("\x1b[" + sgr[col] + "m" + text + "\x1b[0m")
			} else {
				ln.WriteString(text)
			}
			if t.Columns[i].Align == Left && i < len(cells)-1 {
				ln.WriteString(pad)
			}
		}
		b.WriteString(strings.TrimRight(ln.String(), " "))
		b.WriteByte('\n')
	}
	head := make([]Cell, len(t.Columns))
	for i, c := range t.Columns {
		head[i] = Text(c.Title)
	}
	line(head, true)
	for _, r := range t.Rows {
		line(r, false)
	}
	if t.Note != "" {
		b.WriteString(clean(t.Note))
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// width is the display width of s, one column per rune.
func width(s string) int { return utf8.RuneCountInString(s) }

// clean replaces control characters (and invalid UTF-8) by '?'.
func clean(s string) string {
	if !strings.ContainsFunc(s, bad) && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if bad(r) || r == utf8.RuneError {
			r = '?'
		}
		b.WriteRune(r)
	}
	return b.String()
}

func bad(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

// Colorful reports whether w should get colours: it is a terminal, NO_COLOR
// is unset (or empty) and TERM is not "dumb".
func Colorful(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	if os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}
