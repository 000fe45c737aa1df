// Package wasmcodec decodes one coded HEVC or AV1 picture, handed over as a
// minimal still-image file (heif.Tile.Standalone), with C libraries compiled
// to WebAssembly and run by wazero: libheif 1.18 + libde265 1.0.15 for HEVC,
// libavif 1.1 + libaom 3.10 for AV1. No cgo; the sandbox bounds what a
// hostile bitstream can do to the process (its memory and its code).
//
// The WebAssembly modules are the ones github.com/gen2brain/heic (v0.4.5)
// and github.com/gen2brain/avif (v0.4.4) build and embed; this package runs
// them with its own wazero host instead of those packages' Decode because:
//   - their Decode returns pixels that alias the module's memory after it
//     has freed them, so the allocator overwrites the first 24 bytes of
//     every picture (visible in every grid tile); here the pixels are copied
//     out before anything is freed;
//   - their runtime has no memory limit (a module may grow to 4 GiB) and
//     grows memory by copying it into ever larger Go slices (peak RSS about
//     20-50 MiB per decoded megapixel); here each instance's memory is one
//     mmap reservation, capped, and unmapped when the decode ends;
//   - their compile is single-threaded; here it uses GOMAXPROCS workers;
//   - 10-bit AVIF goes through a reflection-based byte swap there; here the
//     16-bit samples are read straight from the module's memory.
//
// The modules are compiled on first use (one sync.Once per codec): a
// process that never sees HEIF pays nothing.
package wasmcodec

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"runtime"
	"sync"
	_ "unsafe" // go:linkname

	// The packages that embed the WebAssembly modules (linked for them only).
	_ "github.com/gen2brain/avif"
	_ "github.com/gen2brain/heic"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// The gzipped modules embedded by the two packages (unexported there; a
// renamed variable in a new version fails the build at link time, and the
// module versions are pinned in go.mod).
//
//go:linkname heifWasm github.com/gen2brain/heic.heifWasm
var heifWasm []byte

//go:linkname avifWasm github.com/gen2brain/avif.decodeWasm
var avifWasm []byte

// MaxMemory is the most linear memory one decode may use. A picture within
// the pipeline's per-picture pixel budget needs far less; a bitstream that
// asks for more fails to decode instead of exhausting the Lambda.
const MaxMemory = 1 << 30

// ErrDecode is a picture the decoder rejects.
var ErrDecode = errors.New("the decoder rejected the picture data")

type engine struct {
	name string
	gz   *[]byte
	once sync.Once
	rt   wazero.Runtime
	mod  wazero.CompiledModule
	err  error
}

var (
	hevc = &engine{name: "libheif/libde265", gz: &heifWasm}
	av1  = &engine{name: "libavif/libaom", gz: &avifWasm}
)

// Init compiles both modules now instead of at the first decode (for
// benchmarks that time compilation apart from decoding).
func Init() error {
	return errors.Join(hevc.init(), av1.init())
}

func (e *engine) init() error {
	e.once.Do(func() {
		ctx := experimental.WithCompilationWorkers(context.Background(), runtime.GOMAXPROCS(0))
		zr, err := gzip.NewReader(bytes.NewReader(*e.gz))
		if err != nil {
			e.err = fmt.Errorf("%s module: %w", e.name, err)
			return
		}
		wasm, err := io.ReadAll(zr)
		if err != nil {
			e.err = fmt.Errorf("%s module: %w", e.name, err)
			return
		}
		// No WithCloseOnContextDone: its checks in every loop make decoding
		// about 3.5 times slower (measured); a cancelled context is seen
		// between pictures instead.
		cfg := wazero.NewRuntimeConfig().WithMemoryLimitPages(MaxMemory / 65536)
		e.rt = wazero.NewRuntimeWithConfig(ctx, cfg)
		if _, err := wasi_snapshot_preview1.Instantiate(ctx, e.rt); err != nil {
			e.err = fmt.Errorf("%s: WASI: %w", e.name, err)
			return
		}
		if e.mod, err = e.rt.CompileModule(ctx, wasm); err != nil {
			e.err = fmt.Errorf("%s module does not compile: %w", e.name, err)
		}
	})
	return e.err
}

// call runs fn on a fresh instance of the module (its memory is discarded
// afterwards, so nothing leaks from one picture into the next).
func (e *engine) call(ctx context.Context, fn func(m api.Module) error) error {
	if err := e.init(); err != nil {
		return err
	}
	ictx := withMmapMemory(ctx)
	m, err := e.rt.InstantiateModule(ictx, e.mod, wazero.NewModuleConfig().WithName(""))
	if err != nil {
		return e.failure(ctx, err)
	}
	defer func() { _ = m.Close(context.Background()) }() // fn's own error is the one returned; closing only frees the instance
	return e.failure(ctx, fn(m))
}

func (e *engine) failure(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if errors.Is(err, ErrDecode) {
		return err
	}
	return fmt.Errorf("%s: %w: %w", e.name, ErrDecode, err)
}

// session holds a module instance's exports and the guest pointers of a call.
type session struct {
	ctx context.Context
	m   api.Module
	err error
}

func (s *session) fn(name string, args ...uint64) uint64 {
	if s.err != nil {
		return 0
	}
	f := s.m.ExportedFunction(name)
	if f == nil {
		s.err = fmt.Errorf("the module exports no %s", name)
		return 0
	}
	r, err := f.Call(s.ctx, args...)
	if err != nil {
		s.err = err
		return 0
	}
	if len(r) == 0 {
		return 0
	}
	return r[0]
}

func (s *session) malloc(n int) uint64 {
	p := s.fn("malloc", uint64(n))
	if s.err == nil && p == 0 {
		s.err = fmt.Errorf("%w: out of memory for %d bytes", ErrDecode, n)
	}
	return p
}

func (s *session) write(p uint64, b []byte) {
	if s.err == nil && !s.m.Memory().Write(uint32(p), b) {
		s.err = fmt.Errorf("write of %d bytes at %d out of bounds", len(b), p)
	}
}

func (s *session) u32(p uint64) int {
	if s.err != nil {
		return 0
	}
	v, ok := s.m.Memory().ReadUint32Le(uint32(p))
	if !ok {
		s.err = fmt.Errorf("read at %d out of bounds", p)
	}
	return int(v)
}

// read returns n bytes at p, valid until the instance is closed.
func (s *session) read(p uint64, n int) []byte {
	if s.err != nil {
		return nil
	}
	b, ok := s.m.Memory().Read(uint32(p), uint32(n))
	if !ok {
		s.err = fmt.Errorf("read of %d bytes at %d out of bounds", n, p)
	}
	return b
}

func align16(n int) int { return (n + 15) &^ 15 }

// libheif enums used by the module's decode function.
const (
	colorspaceYCbCr      = 0
	colorspaceRGB        = 1
	colorspaceMonochrome = 2
	chroma420            = 1
	chroma422            = 2
	chroma444            = 3
)

// maxSide bounds the dimensions a module may report before we size buffers
// from them (the container's ispe was checked already; this guards the
// arithmetic).
const maxSide = 1 << 16

// DecodeHEVC decodes a standalone HEIC file of one HEVC picture
// (heif.Tile.Standalone) to *image.YCbCr (4:2:0, 4:2:2 or 4:4:4) or
// *image.Gray, in Go memory, with the samples libde265 decoded (deeper
// samples reduced to 8 bits by libheif). ratio is the picture's chroma
// subsampling (its hvcC's chroma format).
//
// libheif applies the file's transforms (a standalone file has none) and
// hands over a picture in the layout it prefers. For a 4:4:4 picture that
// is YCbCr 4:4:4, as decoded. Asked for subsampled YCbCr it would round-trip
// the chroma through 4:4:4 (blurred, with wrong samples along the
// picture's edges), so Standalone declares 4:2:0 and 4:2:2 pictures to use
// the identity matrix: libheif then returns RGB whose G, B and R channels
// are the Y, Cb and Cr planes (nearest-neighbour upsampled), and the
// planes are taken back from them here, exactly.
func DecodeHEVC(ctx context.Context, file []byte, ratio image.YCbCrSubsampleRatio) (image.Image, error) {
	var img image.Image
	err := hevc.call(ctx, func(m api.Module) error {
		s := &session{ctx: ctx, m: m}
		in := s.malloc(len(file))
		s.write(in, file)
		dims := s.malloc(20) // width, height, colorspace, chroma, premultiplied
		if s.fn("decode", in, uint64(len(file)), 1, dims, dims+4, dims+8, dims+12, dims+16, 0) == 0 && s.err == nil {
			return ErrDecode
		}
		w, h, cs, chroma := s.u32(dims), s.u32(dims+4), s.u32(dims+8), s.u32(dims+12)
		if s.err != nil {
			return s.err
		}
		if w <= 0 || h <= 0 || w > maxSide || h > maxSide {
			return fmt.Errorf("%w: it declares %dx%d pixels", ErrDecode, w, h)
		}
		rect := image.Rect(0, 0, w, h)
		var size, stride, cw, ch int
		var sub image.YCbCrSubsampleRatio
		switch cs {
		case colorspaceYCbCr:
			switch chroma {
			case chroma420:
				sub, cw, ch = image.YCbCrSubsampleRatio420, (w+1)/2, (h+1)/2
			case chroma422:
				sub, cw, ch = image.YCbCrSubsampleRatio422, (w+1)/2, h
			case chroma444:
				sub, cw, ch = image.YCbCrSubsampleRatio444, w, h
			default:
				return fmt.Errorf("%w: unsupported chroma format %d", ErrDecode, chroma)
			}
			// The module copies planes with libheif's strides: 16-byte aligned.
			stride, cw = align16(w), align16(cw)
			size = stride*h + 2*cw*ch
		case colorspaceMonochrome:
			stride = align16(w)
			size = stride * h
		case colorspaceRGB: // the identity matrix: interleaved RGBA of Cr, Y, Cb
			if ratio != image.YCbCrSubsampleRatio420 && ratio != image.YCbCrSubsampleRatio422 && ratio != image.YCbCrSubsampleRatio444 {
				return fmt.Errorf("%w: unsupported chroma subsampling %v", ErrDecode, ratio)
			}
			stride = align16(4 * w)
			size = stride * h
		default:
			return fmt.Errorf("%w: unsupported colour space %d", ErrDecode, cs)
		}
		out := s.malloc(size)
		if s.fn("decode", in, uint64(len(file)), 0, dims, dims+4, dims+8, dims+12, dims+16, out) == 0 && s.err == nil {
			return ErrDecode
		}
		pix := s.read(out, size)
		if s.err != nil {
			return s.err
		}
		switch cs {
		case colorspaceYCbCr:
			own := bytes.Clone(pix) // copied out before the instance (and its memory) goes
			y0, c0 := stride*h, stride*h+cw*ch
			img = &image.YCbCr{Y: own[:y0:y0], Cb: own[y0:c0:c0], Cr: own[c0:size:size], YStride: stride, CStride: cw, SubsampleRatio: sub, Rect: rect}
		case colorspaceMonochrome:
			img = &image.Gray{Pix: bytes.Clone(pix), Stride: stride, Rect: rect}
		case colorspaceRGB:
			img = identityPlanes(pix, stride, rect, ratio)
		}
		return nil
	})
	return img, err
}

// identityPlanes takes the Y, Cb and Cr planes back from interleaved RGBA
// that libheif converted with the identity matrix and nearest-neighbour
// chroma: G is Y; B and R are Cb and Cr, each chroma sample repeated over
// the luma pixels it covers (read at the first of them).
func identityPlanes(pix []byte, stride int, rect image.Rectangle, ratio image.YCbCrSubsampleRatio) *image.YCbCr {
	m := image.NewYCbCr(rect, ratio)
	sx, sy := 1, 1
	switch ratio {
	case image.YCbCrSubsampleRatio420:
		sx, sy = 2, 2
	case image.YCbCrSubsampleRatio422:
		sx = 2
	}
	w, h := rect.Dx(), rect.Dy()
	for y := range h {
		src := pix[y*stride : y*stride+4*w]
		dst := m.Y[y*m.YStride : y*m.YStride+w]
		for x := range dst {
			dst[x] = src[4*x+1]
		}
		if y%sy != 0 {
			continue
		}
		cy := y / sy
		cb := m.Cb[cy*m.CStride : (cy+1)*m.CStride]
		cr := m.Cr[cy*m.CStride : (cy+1)*m.CStride]
		for cx := range cb {
			p := 4 * cx * sx
			cr[cx], cb[cx] = src[p], src[p+2]
		}
	}
	return m
}

// DecodeAV1 decodes a standalone AVIF file of one AV1 picture to 8-bit RGBA
// (libavif's YUV to RGB conversion; deeper samples are rounded to 8 bits),
// with the bit depth of the coded samples. libavif applies no transform.
func DecodeAV1(ctx context.Context, file []byte) (*image.RGBA, int, error) {
	var img *image.RGBA
	var depth int
	err := av1.call(ctx, func(m api.Module) error {
		s := &session{ctx: ctx, m: m}
		in := s.malloc(len(file))
		s.write(in, file)
		dims := s.malloc(16) // width, height, depth, frame count
		if s.fn("decode", in, uint64(len(file)), 1, 0, dims, dims+4, dims+8, dims+12, 0, 0) == 0 && s.err == nil {
			return ErrDecode
		}
		w, h := s.u32(dims), s.u32(dims+4)
		depth = s.u32(dims + 8)
		if s.err != nil {
			return s.err
		}
		if w <= 0 || h <= 0 || w > maxSide || h > maxSide {
			return fmt.Errorf("%w: it declares %dx%d pixels", ErrDecode, w, h)
		}
		bytesPer := 4
		if depth > 8 {
			bytesPer = 8 // libavif converts to 16-bit RGBA
		}
		size := w * h * bytesPer
		out := s.malloc(size)
		delay := s.malloc(8)
		if s.fn("decode", in, uint64(len(file)), 0, 0, dims, dims+4, dims+8, dims+12, delay, out) == 0 && s.err == nil {
			return ErrDecode
		}
		pix := s.read(out, size)
		if s.err != nil {
			return s.err
		}
		img = image.NewRGBA(image.Rect(0, 0, w, h))
		if bytesPer == 4 {
			copy(img.Pix, pix)
			return nil
		}
		for i := range img.Pix { // little-endian 16-bit samples: keep the high byte, rounded
			v := int(pix[2*i]) | int(pix[2*i+1])<<8
			img.Pix[i] = uint8(min((v+128)>>8, 255))
		}
		return nil
	})
	return img, depth, err
}
