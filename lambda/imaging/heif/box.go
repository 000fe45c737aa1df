package heif

import (
	"encoding/binary"
	"fmt"
)

// box is one ISOBMFF box: its four-character type and its body (the bytes
// after the header, bounded by the declared size).
type box struct {
	typ  string
	body []byte
}

// boxes splits b into boxes. A box whose size runs past the end of b, or
// is smaller than its own header, makes the container corrupt; size 0
// ("to the end") is accepted only where allowed (top level). More than
// maxChildren boxes is corrupt too: no real file needs that many at one
// level, and a hostile one could make us loop over millions of empty boxes.
func boxes(b []byte, where string, toEndAllowed bool) ([]box, error) {
	var out []box
	for len(b) > 0 {
		if len(out) == maxChildren {
			return nil, corruptf("%s holds more than %d boxes", where, maxChildren)
		}
		if len(b) < 8 {
			return nil, corruptf("%s ends with %d stray bytes where a box header (8 bytes) should be (truncated?)", where, len(b))
		}
		size := uint64(binary.BigEndian.Uint32(b))
		typ := b[4:8]
		hdr := uint64(8)
		switch size {
		case 1:
			if len(b) < 16 {
				return nil, corruptf("%s: box %q has a 64-bit size but the file ends inside its header (truncated)", where, printable(typ))
			}
			size, hdr = binary.BigEndian.Uint64(b[8:]), 16
		case 0:
			if !toEndAllowed {
				return nil, corruptf("%s: box %q declares size 0 (to the end of the file), allowed only at the top level", where, printable(typ))
			}
			size = uint64(len(b))
		}
		if string(typ) == "uuid" {
			hdr += 16
		}
		if size < hdr {
			return nil, corruptf("%s: box %q declares %d bytes, less than its own %d-byte header", where, printable(typ), size, hdr)
		}
		if size > uint64(len(b)) {
			return nil, corruptf("%s: box %q declares %d bytes but only %d remain (truncated)", where, printable(typ), size, len(b))
		}
		out = append(out, box{typ: string(typ), body: b[hdr:size]})
		b = b[size:]
	}
	return out, nil
}

// printable quotes a four-character code safely for an error message.
func printable(b []byte) string {
	s := make([]byte, len(b))
	for i, c := range b {
		if c < 0x20 || c > 0x7e {
			c = '?'
		}
		s[i] = c
	}
	return string(s)
}

// reader reads big-endian fields from a box body with bounds checks: a read
// past the end sets err (once) and returns zeros, so a parser can read a
// whole structure and check err at the end.
type reader struct {
	b     []byte
	where string
	err   error
}

func (r *reader) need(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b) {
		r.err = corruptf("%s is too short: needs %d more bytes, has %d (truncated or garbled)", r.where, n, len(r.b))
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) u8() uint8 {
	if v := r.need(1); v != nil {
		return v[0]
	}
	return 0
}

func (r *reader) u16() uint16 {
	if v := r.need(2); v != nil {
		return binary.BigEndian.Uint16(v)
	}
	return 0
}

func (r *reader) u32() uint32 {
	if v := r.need(4); v != nil {
		return binary.BigEndian.Uint32(v)
	}
	return 0
}

func (r *reader) u64() uint64 {
	if v := r.need(8); v != nil {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

// uintN reads an unsigned integer of n bytes (0, 2, 4 or 8; 0 reads nothing).
func (r *reader) uintN(n int) uint64 {
	switch n {
	case 0:
		return 0
	case 2:
		return uint64(r.u16())
	case 4:
		return uint64(r.u32())
	case 8:
		return r.u64()
	}
	if r.err == nil {
		r.err = corruptf("%s uses a %d-byte field, not 0, 2, 4 or 8", r.where, n)
	}
	return 0
}

// fourCC reads a four-character code.
func (r *reader) fourCC() string {
	if v := r.need(4); v != nil {
		return string(v)
	}
	return ""
}

// fullBox reads a FullBox header: version and flags.
func (r *reader) fullBox() (version uint8, flags uint32) {
	v := r.u32()
	return uint8(v >> 24), v & 0xffffff
}

// cstring reads a NUL-terminated string (or the rest when there is no NUL).
func (r *reader) cstring() string {
	if r.err != nil {
		return ""
	}
	for i, c := range r.b {
		if c == 0 {
			s := string(r.b[:i])
			r.b = r.b[i+1:]
			return s
		}
	}
	s := string(r.b)
	r.b = nil
	return s
}

func newReader(b []byte, format string, args ...any) *reader {
	return &reader{b: b, where: fmt.Sprintf(format, args...)}
}
