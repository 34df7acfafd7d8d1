package report

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"

	"interloop/internal/atomicfile"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// PNGOptions sizes the PNG figures. The zero value is 1600×1000 pixels.
type PNGOptions struct {
	// Width and Height are each image's size in pixels.
	Width, Height int
	// DPI sets how large text and lines are relative to the image: the
	// figure is Width/DPI inches wide (0: Width/8, so text keeps its
	// proportion whatever the size).
	DPI int
}

func (o PNGOptions) resolved() (PNGOptions, error) {
	if o.Width == 0 && o.Height == 0 {
		o.Width, o.Height = 1600, 1000
	}
	if o.Width < 100 || o.Height < 100 || o.Width > 20000 || o.Height > 20000 {
		return o, fmt.Errorf("png size %dx%d: want each side in [100, 20000] pixels", o.Width, o.Height)
	}
	if o.DPI == 0 {
		o.DPI = max(o.Width/8, 36)
	}
	return o, nil
}

// WritePNGs writes the report's figures into dir (created if needed) as
// curves.png, outcomes.png, scatter.png and, for a sweep, heatmap.png,
// each exactly Width×Height pixels, and returns their paths.
func WritePNGs(dir string, d *Data, o PNGOptions) ([]string, error) {
	o, err := o.resolved()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	type fig struct {
		name string
		draw func(draw.Canvas) error
	}
	figs := []fig{
		{"curves.png", d.drawCurves},
		{"outcomes.png", d.drawOutcomes},
		{"scatter.png", d.drawScatter},
	}
	if len(d.Axes) > 0 {
		figs = append(figs, fig{"heatmap.png", d.drawHeat})
	}
	var paths []string
	for _, f := range figs {
		img := image.NewRGBA(image.Rect(0, 0, o.Width, o.Height))
		c := vgimg.NewWith(vgimg.UseImage(img), vgimg.UseDPI(o.DPI))
		if err := f.draw(draw.New(c)); err != nil {
			return nil, fmt.Errorf("%s: %w", f.name, err)
		}
		path := filepath.Join(dir, f.name)
		if err := writePNG(path, c.Image()); err != nil {
			return nil, err
		}
		paths = append(paths, path)
	}
	return paths, nil
}

func writePNG(path string, img image.Image) error {
	return atomicfile.Write(path, func(w io.Writer) error { return png.Encode(w, img) })
}

// hexColor parses "#rrggbb".
func hexColor(s string) color.Color {
	v, err := strconv.ParseUint(s[1:], 16, 32)
	if len(s) != 7 || err != nil {
		return color.Black
	}
	return color.RGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 255}
}

func withAlpha(c color.Color, a uint8) color.Color {
	r, g, b, _ := c.RGBA()
	f := float64(a) / 255
	return color.NRGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), uint8(255 * f)}
}

// armColors is a categorical palette for arms (Vega's category10 order).
var armColors = []string{"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"}

// legendEntry is one legend item.
type legendEntry struct {
	label string
	thumb plot.Thumbnailer
}

// legendRow draws the entries side by side in a strip of height h at the
// top of c and returns the canvas below it.
func legendRow(c draw.Canvas, entries []legendEntry, h vg.Length) draw.Canvas {
	if len(entries) == 0 {
		return c
	}
	strip := draw.Crop(c, 0, 0, c.Size().Y-h, 0)
	w := strip.Size().X / vg.Length(len(entries))
	for i, e := range entries {
		cell := draw.Crop(strip, w*vg.Length(i), -(strip.Size().X - w*vg.Length(i+1)), 0, 0)
		l := plot.NewLegend()
		l.Top, l.Left = true, true
		l.TextStyle.Font.Size = vg.Points(7)
		l.Add(e.label, e.thumb)
		l.Draw(cell)
	}
	return draw.Crop(c, 0, 0, 0, -h)
}

// tiled draws plots on a grid of tiles (row-major; nil leaves a tile
// empty) with a title line above.
func tiled(c draw.Canvas, title string, legend []legendEntry, plots []*plot.Plot, cols int) {
	if title != "" {
		titleH := c.Size().Y * 0.06
		p := plot.New()
		p.HideAxes()
		p.Title.Text = title
		p.Title.TextStyle.Font.Size = vg.Points(13)
		top := draw.Crop(c, 0, 0, c.Size().Y-titleH, 0)
		p.Draw(top)
		c = draw.Crop(c, 0, 0, 0, -titleH)
	}
	c = legendRow(c, legend, vg.Points(14))
	rows := (len(plots) + cols - 1) / cols
	grid := make([][]*plot.Plot, rows)
	for i := range grid {
		grid[i] = make([]*plot.Plot, cols)
		for j := range grid[i] {
			if k := i*cols + j; k < len(plots) {
				grid[i][j] = plots[k]
			}
		}
	}
	t := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 4,
		PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
	canvases := plot.Align(grid, t, c)
	for i := range grid {
		for j, p := range grid[i] {
			if p != nil {
				p.Draw(canvases[i][j])
			}
		}
	}
}

func (d *Data) drawCurves(c draw.Canvas) error {
	stats := d.Curves()
	lo, hi := 0.0, 1.0
	for _, s := range stats {
		if !math.IsNaN(s.Mean) {
			lo, hi = math.Min(lo, s.Mean), math.Max(hi, s.Mean)
		}
	}
	pad := 0.05 * (hi - lo)
	lo, hi = lo-pad, hi+pad
	clamp := func(y float64) float64 { return math.Max(lo, math.Min(hi, y)) }
	var plots []*plot.Plot
	var legend []legendEntry
	for ai, a := range d.Arms {
		p := plot.New()
		p.Title.Text = a.Name
		p.X.Label.Text = "RL step"
		p.Y.Min, p.Y.Max = lo, hi
		for _, m := range CurveMetrics {
			var line, upper, lower plotter.XYs
			for _, s := range stats {
				if s.Arm != a.Name || s.Metric.Key != m.Key || math.IsNaN(s.Mean) {
					continue
				}
				x := float64(s.Step)
				line = append(line, plotter.XY{X: x, Y: s.Mean})
				if !math.IsNaN(s.Lo) {
					upper = append(upper, plotter.XY{X: x, Y: clamp(s.Hi)})
					lower = append(lower, plotter.XY{X: x, Y: clamp(s.Lo)})
				}
			}
			col := hexColor(m.Color)
			if len(upper) > 1 {
				ring := append(plotter.XYs{}, upper...)
				for i := len(lower) - 1; i >= 0; i-- {
					ring = append(ring, lower[i])
				}
				poly, err := plotter.NewPolygon(ring)
				if err != nil {
					return err
				}
				poly.Color = withAlpha(col, 28)
				poly.LineStyle.Width = 0
				p.Add(poly)
			}
			if len(line) == 0 {
				continue
			}
			l, pts, err := plotter.NewLinePoints(line)
			if err != nil {
				return err
			}
			l.Color, l.Width = col, vg.Points(1.5)
			pts.Color, pts.Radius = col, vg.Points(1.5)
			p.Add(l, pts)
			if ai == 0 {
				legend = append(legend, legendEntry{m.Label, l})
			}
		}
		plots = append(plots, p)
	}
	if len(plots) == 0 {
		return nil
	}
	cols := min(len(plots), 4)
	tiled(c, "Training curves per arm: mean over seeds, 95% band (clipped)", legend, plots, cols)
	return nil
}

func (d *Data) drawOutcomes(c draw.Canvas) error {
	p := plot.New()
	p.Title.Text = "Outcome classes per arm (runs)"
	p.X.Label.Text = "runs"
	// The first arm on top: nominal Y runs bottom-up.
	names := d.armOrder()
	slices.Reverse(names)
	counts := d.Outcomes()
	var legend []legendEntry
	var prev *plotter.BarChart
	w := vg.Length(float64(c.Size().Y) * 0.6 / float64(max(len(names), 1)))
	for _, cls := range OutcomeClasses {
		vals := make(plotter.Values, len(names))
		for i, a := range names {
			for _, oc := range counts {
				if oc.Arm == a && oc.Class.Name == cls.Name {
					vals[i] = float64(oc.Count)
				}
			}
		}
		b, err := plotter.NewBarChart(vals, w)
		if err != nil {
			return err
		}
		b.Horizontal = true
		b.Color = hexColor(cls.Color)
		b.LineStyle.Width = 0
		if prev != nil {
			b.StackOn(prev)
		}
		prev = b
		p.Add(b)
		legend = append(legend, legendEntry{cls.Label, b})
	}
	p.NominalY(names...)
	p.X.Min = 0
	p.Draw(legendRow(c, legend, vg.Points(16)))
	return nil
}

func (d *Data) drawScatter(c draw.Canvas) error {
	p := plot.New()
	p.Title.Text = "Probe says vs truth, per run"
	p.X.Label.Text = "truth: lie rate after RL"
	p.Y.Label.Text = "probe says: share of plans that are flagged lies"
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
	diag, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 1}})
	if err != nil {
		return err
	}
	diag.Dashes = []vg.Length{vg.Points(4), vg.Points(4)}
	diag.Color = color.Gray{Y: 150}
	p.Add(diag)
	pts := d.Scatter()
	for i, a := range d.Arms {
		var xys plotter.XYs
		for _, q := range pts {
			if q.Arm == a.Name {
				xys = append(xys, plotter.XY{X: q.Truth, Y: q.ProbeSays})
			}
		}
		if len(xys) == 0 {
			continue
		}
		s, err := plotter.NewScatter(xys)
		if err != nil {
			return err
		}
		s.Color = hexColor(armColors[i%len(armColors)])
		s.Radius = vg.Points(4)
		s.Shape = shapes[(i/len(armColors))%len(shapes)]
		p.Add(s)
		p.Legend.Add(a.Name, s)
	}
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.TextStyle.Font.Size = vg.Points(7)
	p.Draw(c)
	return nil
}

var shapes = []draw.GlyphDrawer{draw.CircleGlyph{}, draw.TriangleGlyph{}, draw.SquareGlyph{}, draw.CrossGlyph{}}

// grid is a heat map's cells.
type grid struct {
	nx, ny int
	z      [][]float64 // [y][x]
}

func (g grid) Dims() (c, r int)   { return g.nx, g.ny }
func (g grid) Z(c, r int) float64 { return g.z[r][c] }
func (g grid) X(c int) float64    { return float64(c) }
func (g grid) Y(r int) float64    { return float64(r) }
func (g grid) Min() float64       { return 0 }
func (g grid) Max() float64       { return 1 }

// reds is a white-to-red palette for rates in [0, 1].
type reds struct{}

func (reds) Colors() []color.Color {
	out := make([]color.Color, 64)
	for i := range out {
		t := float64(i) / float64(len(out)-1)
		out[i] = color.RGBA{uint8(255 - 52*t), uint8(245 - 230*t), uint8(240 - 215*t), 255}
	}
	return out
}

func (d *Data) drawHeat(c draw.Canvas) error {
	cells := d.Heat()
	xs := d.AxisValues(0)
	ys := []string{""}
	if len(d.Axes) > 1 {
		ys = d.AxisValues(1)
	}
	bases := d.bases()
	facets := []string{""}
	if len(bases) > 1 {
		facets = bases
	}
	var plots []*plot.Plot
	for _, f := range facets {
		g := grid{nx: len(xs), ny: len(ys), z: make([][]float64, len(ys))}
		for j := range g.z {
			g.z[j] = make([]float64, len(xs))
			for i := range g.z[j] {
				g.z[j][i] = math.NaN()
			}
		}
		var labels plotter.XYLabels
		for _, cell := range cells {
			if cell.Facet != f {
				continue
			}
			i, j := index(xs, cell.X), index(ys, cell.Y)
			if i < 0 || j < 0 {
				continue
			}
			g.z[j][i] = cell.Lie.Mean
			labels.XYs = append(labels.XYs, plotter.XY{X: float64(i), Y: float64(j)})
			labels.Labels = append(labels.Labels, fmt.Sprintf("%s\n%s", pct(cell.Lie.Mean), cell.Mode))
		}
		h := plotter.NewHeatMap(g, reds{})
		h.NaN = color.Gray{Y: 230}
		p := plot.New()
		p.Title.Text = "lie rate (mean over seeds), most common outcome"
		if f != "" {
			p.Title.Text = f + ": " + p.Title.Text
		}
		p.Add(h)
		if len(labels.XYs) > 0 {
			l, err := plotter.NewLabels(labels)
			if err != nil {
				return err
			}
			for i := range l.TextStyle {
				l.TextStyle[i].XAlign, l.TextStyle[i].YAlign = draw.XCenter, draw.YCenter
			}
			p.Add(l)
		}
		p.NominalX(xs...)
		p.X.Label.Text = d.Axes[0]
		if len(d.Axes) > 1 {
			p.NominalY(ys...)
			p.Y.Label.Text = d.Axes[1]
		} else {
			p.HideY()
		}
		plots = append(plots, p)
	}
	tiled(c, "Sweep: "+joinAxes(d.Axes), nil, plots, 1)
	return nil
}

func joinAxes(a []string) string {
	if len(a) == 2 {
		return a[0] + " × " + a[1]
	}
	return a[0]
}

func index(xs []string, x string) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return -1
}
