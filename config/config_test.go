package config

import (
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

type color string

type inner struct {
	Steps int       `yaml:"steps"`
	LR    float64   `yaml:"lr"`
	Arch  color     `yaml:"arch"`
	Tags  []string  `yaml:"tags"`
	On    bool      `yaml:"on"`
	W     []float64 `yaml:"w"`
}

type outer struct {
	Name string           `yaml:"name"`
	RL   inner            `yaml:"rl"`
	Map  map[string]int   `yaml:"map"`
	Raw  yaml.Node        `yaml:"raw"`
	Skip int              `yaml:"-"`
	Opt  *inner           `yaml:"opt"`
	M2   map[string]inner `yaml:"m2"`
}

func init() { RegisterEnum[color]("red", "blue") }

func decodeString(src string) (outer, error) {
	v := outer{RL: inner{Steps: 7, LR: 0.5, Arch: "red"}}
	n, err := Parse("f.yaml", []byte(src))
	if err != nil {
		return v, err
	}
	return v, Decode("f.yaml", n, &v, "")
}

func TestDecode(t *testing.T) {
	v, err := decodeString("name: x\nrl.steps: 3\nrl: {lr: 1e-3, tags: [a, b], on: true, w: [1, 2.5]}\nmap: {a: 1}\nraw: {anything: [goes]}\n")
	if err != nil {
		t.Fatal(err)
	}
	want := inner{Steps: 3, LR: 1e-3, Arch: "red", Tags: []string{"a", "b"}, On: true, W: []float64{1, 2.5}}
	if v.Name != "x" || !reflect.DeepEqual(v.RL, want) || v.Map["a"] != 1 || v.Raw.Kind != yaml.MappingNode {
		t.Fatalf("%+v", v)
	}
	// Encode then decode gives the value back.
	var back outer
	if err := Decode("enc", Encode(v, nil), &back, ""); err != nil {
		t.Fatal(err)
	}
	back.Raw = v.Raw
	if !reflect.DeepEqual(back.RL, v.RL) || back.Name != v.Name {
		t.Fatalf("%+v", back)
	}
}

func TestDecodeErrors(t *testing.T) {
	cases := map[string]string{
		"name: x\nrl: {stepz: 1}\n":           `f.yaml:2:6: rl.stepz: unknown field "stepz" (rl has: steps, lr, arch, tags, on, w)`,
		"rl:\n  steps: 1.5\n":                 `f.yaml:2:10: rl.steps: want an integer, got 1.5`,
		"rl: {steps: '3'}\n":                  `rl.steps: want an integer, got string "3"`,
		"rl: {lr: fast}\n":                    `rl.lr: want a number, got string "fast"`,
		"rl: {arch: green}\n":                 `rl.arch: "green" is not one of red, blue`,
		"name: 3\n":                           `name: want a string, got 3 (quote it`,
		"rl: [1]\n":                           `rl: want a mapping of fields, got a list`,
		"rl: {tags: a}\n":                     `rl.tags: want a list`,
		"rl: {on: yes}\n":                     `rl.on: want true or false`,
		"name: a\nname: b\n":                  `f.yaml:2:1: name: repeated key (first at line 1)`,
		"rl: {steps: 99999999999999999999}\n": `rl.steps: want an integer`,
		"[":                                   `f.yaml:1:1: invalid YAML`,
		"rl: {w: [1, x]}\n":                   `rl.w[1]: want a number`,
	}
	for src, want := range cases {
		_, err := decodeString(src)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q:\n got %v\nwant %s", src, err, want)
		}
	}
}

func TestSet(t *testing.T) {
	v := outer{}
	for _, kv := range []string{"rl.steps=5", "rl.lr=3e-4", "rl.arch=blue", "rl.tags=[x, y]", "name=hello world", "rl.on=true", "name=123abc"} {
		if err := Set(&v, kv); err != nil {
			t.Fatalf("%s: %v", kv, err)
		}
	}
	if v.RL.Steps != 5 || v.RL.LR != 3e-4 || v.RL.Arch != "blue" || len(v.RL.Tags) != 2 || v.Name != "123abc" || !v.RL.On {
		t.Fatalf("%+v", v)
	}
	for kv, want := range map[string]string{
		"rl.stepz=1": `--set rl.stepz=1: rl.stepz: unknown field "stepz"`,
		"rl.steps=x": `--set rl.steps=x: rl.steps: want an integer, got string "x"`,
		"rl":         `--set rl: want path=value`,
		"name=1":     `--set name=1: name: want a string`,
	} {
		if err := Set(&v, kv); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %s", kv, err, want)
		}
	}
}

func TestDiffAndSchema(t *testing.T) {
	a := outer{RL: inner{Steps: 1}}
	b := a
	b.RL.Steps, b.Name = 2, "n"
	d := Diff(a, b)
	if len(d) != 2 || d[0].Path != "name" || d[1].Path != "rl.steps" {
		t.Fatalf("%+v", d)
	}
	s := Schema(a, Docs{"interloop/config.inner.steps": "Steps doc."})
	rl := s["properties"].(map[string]any)["rl"].(map[string]any)
	steps := rl["properties"].(map[string]any)["steps"].(map[string]any)
	if steps["type"] != "integer" || steps["default"] != 1 || steps["description"] != "Steps doc." || rl["additionalProperties"] != false {
		t.Fatalf("%v", steps)
	}
	arch := rl["properties"].(map[string]any)["arch"].(map[string]any)
	if !reflect.DeepEqual(arch["enum"], []string{"red", "blue"}) {
		t.Fatalf("%v", arch)
	}
}

// FuzzDecode: no input makes the YAML decoder path panic, and every error
// is one line.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{"name: x\nrl.steps: 3\n", "rl: {lr: [1, {a: b}]}\n", "&a [*a]", "rl: &x {steps: 1}\nopt: *x\n",
		"m2: {a: {steps: 1}}\nmap: {b: 2}\n", "---\na: 1\n---\nb: 2\n", "rl: !!binary aGk=\n", "<<: {name: x}\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		_, err := decodeString(src)
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Fatalf("multi-line error %q", err)
		}
		v := outer{}
		_ = Set(&v, "rl.w="+src)
	})
}
