//go:build !amd64 || purego

package engine

var useAVX2, useAVX512 = false, false

func geluSIMD(y, d, x []float32) int { return 0 }

func expRowSIMD(dst, src []float32, scale float32, m float64, sums *[4]float64) int { return 0 }

func scaleRowSIMD(y []float32, a float64) int { return 0 }

func reluSIMD(dst, src []float32) int { return 0 }

func reluGradSIMD(gx, g, y []float32, acc bool) int { return 0 }

func addSIMD(dst, src []float32) int { return 0 }

func mulSIMD(dst, x, y []float32, acc bool) int { return 0 }

func scaleSIMD(dst, src []float32, a float32, acc bool) int { return 0 }

func sumRowsSIMD(dst, g []float32, n int) int { return 0 }

func addSubSIMD(z, x, y []float32, sub bool) int { return 0 }

func sum4SIMD(x []float32, lanes *[4]float64) int { return 0 }

func sqdev4SIMD(x []float32, mean float64, lanes *[4]float64) int { return 0 }

func lnApplySIMD(xh, o, x, gain, bias []float32, mean, rs float64) int { return 0 }

func lnDotsSIMD(gr, gain, xh []float32, lanes *[8]float64) int { return 0 }

func lnGradSIMD(dst, gr, gain, xh []float32, rs, m1, m2 float32, acc bool) int { return 0 }
