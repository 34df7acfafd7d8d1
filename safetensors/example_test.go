package safetensors_test

import (
	"bytes"
	"fmt"

	"interloop/safetensors"
)

func Example() {
	var b bytes.Buffer
	err := safetensors.Write(&b, map[string]safetensors.Tensor{
		"probe.w": safetensors.FromFloat32([]int{2, 2}, []float32{1, 2, 3, 4}),
		"probe.b": safetensors.FromFloat64([]int{}, []float64{0.5}),
	}, map[string]string{"config": `{"lr":0.01}`})
	if err != nil {
		panic(err)
	}
	f, err := safetensors.Read(bytes.NewReader(b.Bytes()), int64(b.Len()))
	if err != nil {
		panic(err)
	}
	for _, name := range f.Names() {
		v, shape, _ := f.Float32(name)
		info, _ := f.Info(name)
		fmt.Println(name, info.DType, shape, v)
	}
	fmt.Println(f.Metadata()["config"])
	// Output:
	// probe.b F64 [] [0.5]
	// probe.w F32 [2 2] [1 2 3 4]
	// {"lr":0.01}
}
