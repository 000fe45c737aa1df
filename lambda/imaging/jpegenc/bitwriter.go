package jpegenc

// bitWriter appends entropy-coded bits to buf, MSB first, stuffing a zero
// byte after every 0xFF (ITU T.81 F.1.2.3).
type bitWriter struct {
	buf []byte
	acc uint64 // the low n bits are pending
	n   uint
}

// put appends the low n bits of v (n <= 32).
func (w *bitWriter) put(v uint32, n uint) {
	w.acc = w.acc<<n | uint64(v)
	w.n += n
	if w.n >= 32 {
		w.n -= 32
		w.word(uint32(w.acc >> w.n))
	}
}

// word writes four bytes, stuffing where needed.
func (w *bitWriter) word(v uint32) {
	x := ^v // a zero byte in x is a 0xFF byte in v
	if (x-0x01010101)&^x&0x80808080 == 0 {
		w.buf = append(w.buf, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
		return
	}
	for s := 24; s >= 0; s -= 8 {
		b := byte(v >> uint(s))
		w.buf = append(w.buf, b)
		if b == 0xFF {
			w.buf = append(w.buf, 0)
		}
	}
}

// flush pads the last byte with 1-bits (F.1.2.3) and writes what is left.
func (w *bitWriter) flush() {
	if pad := (8 - w.n%8) % 8; pad > 0 {
		w.acc = w.acc<<pad | (1<<pad - 1)
		w.n += pad
	}
	for w.n >= 8 {
		w.n -= 8
		b := byte(w.acc >> w.n)
		w.buf = append(w.buf, b)
		if b == 0xFF {
			w.buf = append(w.buf, 0)
		}
	}
	w.acc, w.n = 0, 0
}
