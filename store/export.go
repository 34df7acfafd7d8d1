package store

import (
	"context"
	"encoding/csv"
	"fmt"
	"interloop/internal/atomicfile"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"

	"github.com/parquet-go/parquet-go"
)

// ColumnType is a column's export type: "string", "int64" or "double".
func ColumnType(col string) string {
	switch col {
	case "seed", "step":
		return "int64"
	case "seconds", "value", "threshold":
		return "double"
	}
	return "string"
}

// Export writes every table (restricted to experiment's runs when it is
// not "") into dir as TABLE.csv or TABLE.parquet (format "csv" or
// "parquet"), each through a temporary file renamed into place. It
// returns the paths written. NULL (an undefined metric) is an empty CSV
// field and a parquet null.
func (s *Store) Export(ctx context.Context, dir, format, experiment string) ([]string, error) {
	if format != "csv" && format != "parquet" {
		return nil, fmt.Errorf("export format %q: want csv or parquet", format)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var paths []string
	for _, t := range Tables {
		path := filepath.Join(dir, t+"."+format)
		err := atomicfile.Write(path, func(w io.Writer) error {
			if format == "csv" {
				return s.exportCSV(ctx, w, t, experiment)
			}
			return s.exportParquet(ctx, w, t, experiment)
		})
		if err != nil {
			return nil, fmt.Errorf("export: %w", err)
		}
		paths = append(paths, path)
	}
	return paths, nil
}

func (s *Store) columns(ctx context.Context, table string) ([]string, error) {
	rows, err := s.b.DB().QueryContext(ctx, `SELECT * FROM `+table+` WHERE 1 = 0`)
	if err != nil {
		return nil, s.wrap(err)
	}
	defer rows.Close()
	return rows.Columns()
}

func (s *Store) exportCSV(ctx context.Context, w io.Writer, table, experiment string) error {
	cols, err := s.columns(ctx, table)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Write(cols)
	rec := make([]string, len(cols))
	err = s.Scan(ctx, table, experiment, func(_ []string, vals []any) error {
		for i, v := range vals {
			rec[i] = csvValue(v)
		}
		return cw.Write(rec)
	})
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

func csvValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		if math.IsNaN(x) {
			return ""
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	return fmt.Sprint(v)
}

// exportParquet writes table with a flat schema of optional columns typed
// by ColumnType.
func (s *Store) exportParquet(ctx context.Context, w io.Writer, table, experiment string) error {
	cols, err := s.columns(ctx, table)
	if err != nil {
		return err
	}
	group := parquet.Group{}
	for _, c := range cols {
		var n parquet.Node
		switch ColumnType(c) {
		case "int64":
			n = parquet.Int(64)
		case "double":
			n = parquet.Leaf(parquet.DoubleType)
		default:
			n = parquet.String()
		}
		group[c] = parquet.Optional(n)
	}
	schema := parquet.NewSchema(table, group)
	// parquet-go orders a group's columns by name.
	order := append([]string(nil), cols...)
	sort.Strings(order)
	pos := make(map[string]int, len(cols))
	for i, c := range cols {
		pos[c] = i
	}
	pw := parquet.NewWriter(w, schema, parquet.Compression(&parquet.Zstd))
	row := make(parquet.Row, len(order))
	err = s.Scan(ctx, table, experiment, func(_ []string, vals []any) error {
		for ci, c := range order {
			v := vals[pos[c]]
			var pv parquet.Value
			switch x := v.(type) {
			case nil:
				pv = parquet.Value{}.Level(0, 0, ci)
				row[ci] = pv
				continue
			case string:
				pv = parquet.ByteArrayValue([]byte(x))
			case int64:
				if ColumnType(c) == "double" {
					pv = parquet.DoubleValue(float64(x))
				} else {
					pv = parquet.Int64Value(x)
				}
			case float64:
				if ColumnType(c) == "int64" {
					pv = parquet.Int64Value(int64(x))
				} else {
					pv = parquet.DoubleValue(x)
				}
			default:
				pv = parquet.ByteArrayValue([]byte(fmt.Sprint(x)))
			}
			row[ci] = pv.Level(0, 1, ci)
		}
		_, err := pw.WriteRows([]parquet.Row{row})
		return err
	})
	if err != nil {
		return err
	}
	return pw.Close()
}
