package jpegenc

import "slices"

// A Huffman table optimised for one image, built as ITU T.81 Annex K.2
// describes: code lengths from the symbol frequencies by repeatedly
// merging the two least frequent entries (Figure K.1), with one reserved
// symbol of frequency 1 so that no code consists of 1-bits only; lengths
// over 16 bits are then folded back (Figure K.3) and the reserved code
// removed; symbols are listed by length (Figure K.4). Codes follow from the
// lengths canonically (Annex C).

// maxSymbols is 256 symbols plus the reserved one.
const maxSymbols = 257

// huffSpec is a table as DHT writes it: the number of codes of each length
// 1..16 and the symbols in code order.
type huffSpec struct {
	counts [16]uint8
	vals   []uint8
}

// huffCode is a symbol's code: length<<16 | code bits (right-aligned).
type huffCode [256]uint32

// optimalSpec builds the table for freq (one count per symbol value). A
// table with no symbol used still gets one code, so that the DHT is valid.
func optimalSpec(freq *[256]uint32) huffSpec {
	var f [maxSymbols]uint64
	used := 0
	for i, v := range freq {
		f[i] = uint64(v)
		if v > 0 {
			used++
		}
	}
	if used == 0 {
		f[0] = 1 // one dummy symbol: DHT needs at least one code
	}
	f[256] = 1 // reserved: keeps the all-ones code unused
	var size [maxSymbols]int
	var next [maxSymbols]int // chain of symbols merged into a tree
	for i := range next {
		next[i] = -1
	}
	for {
		// The least frequent entry, and the next least (ties go to the
		// larger symbol value, as in Figure K.2, so the reserved symbol
		// gets the longest code).
		v1, v2 := -1, -1
		for i := range maxSymbols {
			if f[i] == 0 {
				continue
			}
			switch {
			case v1 < 0 || f[i] <= f[v1]:
				v2, v1 = v1, i
			case v2 < 0 || f[i] <= f[v2]:
				v2 = i
			}
		}
		if v2 < 0 {
			break
		}
		f[v1] += f[v2]
		f[v2] = 0
		for i := v1; ; i = next[i] {
			size[i]++
			if next[i] < 0 {
				next[i] = v2
				break
			}
		}
		for i := v2; i >= 0; i = next[i] {
			size[i]++
		}
	}
	// Count codes per length (at most 256 long in theory), then limit to 16.
	var bits [maxSymbols + 1]int
	for i := range maxSymbols {
		if size[i] > 0 {
			bits[size[i]]++
		}
	}
	for i := maxSymbols; i > 16; i-- {
		for bits[i] > 0 {
			j := i - 2
			for bits[j] == 0 {
				j--
			}
			bits[i] -= 2
			bits[i-1]++
			bits[j+1] += 2
			bits[j]--
		}
	}
	i := 16
	for bits[i] == 0 {
		i--
	}
	bits[i]-- // drop the reserved code, which has the longest length
	var spec huffSpec
	for l := 1; l <= 16; l++ {
		spec.counts[l-1] = uint8(bits[l])
	}
	// Symbols by code length (shortest first), then by value; the reserved
	// symbol is last and falls off.
	order := make([]int, 0, maxSymbols)
	for s := range 256 {
		if size[s] > 0 {
			order = append(order, s)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return size[a] - size[b] })
	n := 0
	for _, c := range spec.counts {
		n += int(c)
	}
	spec.vals = make([]uint8, n)
	for k := range n {
		spec.vals[k] = uint8(order[k])
	}
	return spec
}

// codes assigns canonical codes to the symbols of spec (Annex C).
func (s *huffSpec) codes() *huffCode {
	var c huffCode
	code, k := uint32(0), 0
	for l := 1; l <= 16; l++ {
		for range int(s.counts[l-1]) {
			c[s.vals[k]] = uint32(l)<<16 | code
			code++
			k++
		}
		code <<= 1
	}
	return &c
}
