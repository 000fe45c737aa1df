package imaging

import (
	"testing"

	"github.com/imgpipe/imgpipe/internal/benchcpu"
	"github.com/imgpipe/imgpipe/lambda/imaging/icc"
)

// BenchmarkColourStageUntagged is all the colour stage adds to the default
// job on an untagged 12 MP JPEG: reading its colour information and
// planning (no transform, so no pixel is touched). Compare with
// BenchmarkProcess12MP.
func BenchmarkColourStageUntagged(b *testing.B) {
	data := bench12MP()
	b.ReportAllocs()
	for b.Loop() {
		plan := planColor(readColorInfo(FormatJPEG, data), pixelsRGB, ColorSRGB)
		if plan.t != nil {
			b.Fatal("a transform for an untagged image")
		}
	}
}

// BenchmarkColourStageSRGBTagged is the same for a 12 MP JPEG carrying an
// sRGB profile (parsed once, then cached).
func BenchmarkColourStageSRGBTagged(b *testing.B) {
	p, err := icc.EncodeMatrixTRC("sRGB", icc.PrimariesSRGB, icc.CurveSRGB)
	if err != nil {
		b.Fatal(err)
	}
	data := tagJPEG(bench12MP(), p)
	b.ReportAllocs()
	for b.Loop() {
		plan := planColor(readColorInfo(FormatJPEG, data), pixelsRGB, ColorSRGB)
		if plan.t != nil {
			b.Fatal("a transform for an sRGB image")
		}
	}
}

// BenchmarkConvert1024 converts a 1024×768 thumbnail's planes from Display
// P3 (matrix/TRC) and through a sampled LUT (the grid path).
func BenchmarkConvert1024(b *testing.B) {
	src := toPlanes(photoLike(1024, 768))
	defer src.release()
	mt, err := icc.NewMatrixTRC(icc.PrimariesDisplayP3, icc.CurveSRGB)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("matrix-trc", func(b *testing.B) {
		defer benchcpu.Timer(b)()
		for b.Loop() {
			var owner planes
			convertPlanes(mt, src, &owner)
			owner.release()
		}
	})
}
