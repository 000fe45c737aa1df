package fastjpeg

import (
	"bytes"
	"encoding/binary"
)

// fastBits is the width of the Huffman lookup tables. Codes of up to
// fastBits bits (nearly all of them in photographs) decode with one table
// read; longer codes take the canonical slow path.
const fastBits = 10

// huffTable is one decoded DHT table.
type huffTable struct {
	// fast maps the next fastBits bits to length<<8 | symbol, or 0 when the
	// code is longer than fastBits.
	fast [1 << fastBits]uint16
	// ac maps the next fastBits bits, for AC tables, to a fused entry when
	// the code and its magnitude bits both fit: value<<16 | run<<8 | bits.
	ac [1 << fastBits]int32
	// skip maps the next fastBits bits, for AC tables, to what it takes to
	// pass over a coefficient whose value is not needed: kind<<16 | run<<8
	// | code and magnitude bits, kind being skipCoef, skipZRL or skipEOB.
	// 0 when the code is longer than fastBits.
	skip [1 << fastBits]uint32
	// Canonical decoding for codes longer than fastBits.
	maxCode [17]int32 // largest code of each length, -1 when none
	minCode [17]int32
	valPtr  [17]int32
	vals    [256]uint8
	nvals   int
}

// build fills t from the 16 code-length counts and the symbols of a DHT
// segment. It rejects over-subscribed code sets.
func (t *huffTable) build(counts *[16]uint8, vals []uint8, isAC bool) error {
	*t = huffTable{}
	t.nvals = copy(t.vals[:], vals)
	code, k := int32(0), int32(0)
	for l := 1; l <= 16; l++ {
		n := int32(counts[l-1])
		if code+n > 1<<l {
			return corrupt("Huffman table has too many codes of length %d", l)
		}
		t.minCode[l] = code
		t.valPtr[l] = k
		t.maxCode[l] = -1
		if n > 0 {
			t.maxCode[l] = code + n - 1
		}
		for i := int32(0); i < n; i++ {
			if l <= fastBits {
				t.fill(l, code+i, vals[k+i], isAC)
			}
		}
		code += n
		k += n
		code <<= 1
	}
	return nil
}

func (t *huffTable) fill(l int, code int32, sym uint8, isAC bool) {
	shift := fastBits - l
	base := int(code) << shift
	for j := 0; j < 1<<shift; j++ {
		idx := base + j
		t.fast[idx] = uint16(l)<<8 | uint16(sym)
		if !isAC {
			continue
		}
		run, size := int(sym>>4), int(sym&15)
		switch {
		case size != 0:
			t.skip[idx] = skipCoef<<16 | uint32(run)<<8 | uint32(l+size)
		case run == 15:
			t.skip[idx] = skipZRL<<16 | uint32(l)
		default: // EOB (other runs without a size are invalid; read as EOB too)
			t.skip[idx] = skipEOB<<16 | uint32(l)
		}
		if size == 0 || l+size > fastBits {
			continue
		}
		bits := (idx >> (fastBits - l - size)) & (1<<size - 1)
		v := extend(int32(bits), size)
		t.ac[idx] = v<<16 | int32(run)<<8 | int32(l+size)
	}
}

// Kinds of skip entries.
const (
	skipCoef = 1 + iota
	skipZRL
	skipEOB
)

// extend turns s magnitude bits into the signed value they encode.
func extend(v int32, s int) int32 {
	if s == 0 {
		return 0
	}
	if v < 1<<(s-1) {
		v += -1<<s + 1
	}
	return v
}

// bitReader reads the entropy-coded segment of a scan, MSB first, removing
// byte stuffing as it refills. Past a marker or the end of the data it
// feeds zero bits so that decoding loops stay bounded; past the end of the
// data that counts as truncation.
type bitReader struct {
	data    []byte
	pos     int    // next byte to load
	acc     uint64 // valid bits are the top n
	n       uint
	marker  bool // pos is at a marker; feeding zeros
	padEOF  int  // zero bytes fed after the end of the data
	start   int  // where the reader was reset
	stuffed int  // stuffing bytes (the zero after a 0xFF) passed over
	fed     int  // zero bytes fed at a marker or past the end
	bad     bool // an invalid Huffman code was seen
}

func (b *bitReader) reset(data []byte, pos int) {
	*b = bitReader{data: data, pos: pos, start: pos}
}

// fill tops the buffer up to at least 56 bits.
func (b *bitReader) fill() {
	acc, n := b.acc, b.n
	var ok bool
	if acc, n, ok = b.refillFast(acc, n); ok {
		b.acc, b.n = acc, n
		return
	}
	for n <= 56 {
		var c byte
		switch {
		case b.marker:
			b.fed++
		case b.pos >= len(b.data):
			b.padEOF++
			b.fed++
		default:
			c = b.data[b.pos]
			if c == 0xFF {
				if b.pos+1 < len(b.data) && b.data[b.pos+1] == 0 {
					b.pos += 2
					b.stuffed++
				} else if b.pos+1 >= len(b.data) {
					b.pos = len(b.data)
					c = 0
					b.padEOF++
				} else {
					b.marker = true
					c = 0
					b.fed++
				}
			} else {
				b.pos++
			}
		}
		// Bits below n may hold this byte already (see refillFast): OR
		// keeps them.
		acc |= uint64(c) << (56 - n)
		n += 8
	}
	b.acc, b.n = acc, n
}

// bitPos is the position of the next bit in the scan's data with the
// stuffing bytes removed, counted from where the reader was reset.
func (b *bitReader) bitPos() uint64 {
	return uint64(8*(b.pos-b.start-b.stuffed+b.fed)) - uint64(b.n)
}

// refillFast is refill with the common case inline: eight bytes without a
// 0xFF (no stuffing, no marker) are loaded at once. Only whole bytes are
// counted as loaded; the bits of the next, partial byte that land in acc
// are that byte's own, so loading it again later ORs in the same bits.
// n must be below 56; on success it is 56 or more.
func (b *bitReader) refillFast(acc uint64, n uint) (uint64, uint, bool) {
	p := b.pos
	if p+8 > len(b.data) {
		return acc, n, false
	}
	v := binary.BigEndian.Uint64(b.data[p:])
	if x := ^v; (x-0x0101010101010101)&^x&0x8080808080808080 != 0 {
		return acc, n, false
	}
	b.pos = p + int((63-n)>>3)
	return acc | v>>n, n | 56, true
}

// refill is fill for callers that keep the buffer in local variables: it
// stores them, fills, and returns the new values.
func (b *bitReader) refill(acc uint64, n uint) (uint64, uint) {
	if acc, n, ok := b.refillFast(acc, n); ok {
		return acc, n
	}
	b.acc, b.n = acc, n
	b.fill()
	return b.acc, b.n
}

// decodeSlowLocal is decodeSlow for callers with local buffers.
func (b *bitReader) decodeSlowLocal(t *huffTable, acc uint64, n uint) (uint8, uint64, uint) {
	b.acc, b.n = acc, n
	s := b.decodeSlow(t)
	return s, b.acc, b.n
}

// truncated reports whether zero bits fed past the end of the data were
// consumed.
func (b *bitReader) truncated() bool {
	return b.padEOF > 0 && int(b.n) < b.padEOF*8
}

// decode returns the next Huffman symbol. The caller guarantees n >= 16.
func (b *bitReader) decode(t *huffTable) uint8 {
	e := t.fast[b.acc>>(64-fastBits)]
	if e != 0 {
		l := uint(e >> 8)
		b.acc <<= l
		b.n -= l
		return uint8(e)
	}
	return b.decodeSlow(t)
}

func (b *bitReader) decodeSlow(t *huffTable) uint8 {
	code := int32(b.acc >> 48)
	for l := fastBits + 1; l <= 16; l++ {
		c := code >> (16 - l)
		if c <= t.maxCode[l] {
			b.acc <<= uint(l)
			b.n -= uint(l)
			i := t.valPtr[l] + c - t.minCode[l]
			if int(i) >= t.nvals {
				b.bad = true
				return 0
			}
			return t.vals[i]
		}
	}
	b.bad = true
	b.acc <<= 16
	b.n -= 16
	return 0
}

// receive reads s (0..16) magnitude bits and extends them. The caller
// guarantees n >= s.
func (b *bitReader) receive(s uint) int32 {
	if s == 0 {
		return 0
	}
	v := int32(b.acc >> (64 - s))
	b.acc <<= s
	b.n -= s
	if v < 1<<(s-1) {
		v += -1<<s + 1
	}
	return v
}

// bits reads s raw bits (s <= 16).
func (b *bitReader) bits(s uint) uint32 {
	if s == 0 {
		return 0
	}
	v := uint32(b.acc >> (64 - s))
	b.acc <<= s
	b.n -= s
	return v
}

// nextMarker returns the position of the next marker at or after pos that
// is not a restart marker when skipRST is set, or len(data) if none.
func nextMarker(data []byte, pos int, skipRST bool) int {
	for pos < len(data) {
		i := bytes.IndexByte(data[pos:], 0xFF)
		if i < 0 {
			return len(data)
		}
		pos += i
		if pos+1 >= len(data) {
			return len(data)
		}
		c := data[pos+1]
		switch {
		case c == 0 || c == 0xFF:
			pos++
		case skipRST && c >= 0xD0 && c <= 0xD7:
			pos += 2
		default:
			return pos
		}
	}
	return len(data)
}
