package wasmcodec

import (
	"bytes"
	"context"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/gen2brain/heic"
	"github.com/imgpipe/imgpipe/lambda/imaging/heif"
)

func cpu() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestScratchCPU(t *testing.T) {
	data, _ := os.ReadFile("/tmp/ph/s.heic")
	f, _ := heif.Parse(data)
	im, _ := f.Primary()
	sa := im.Tiles[0].Standalone()
	hevc.init()
	heic.Init()
	ctx := context.Background()
	for round := 0; round < 2; round++ {
		c := cpu()
		for i := 0; i < 5; i++ {
			if _, err := DecodeHEVC(ctx, sa); err != nil {
				t.Fatal(err)
			}
		}
		t.Log("wasmcodec", (cpu()-c)/5)
		c = cpu()
		for i := 0; i < 5; i++ {
			if _, err := heic.Decode(bytes.NewReader(sa)); err != nil {
				t.Fatal(err)
			}
		}
		t.Log("gen2brain", (cpu()-c)/5)
	}
}
