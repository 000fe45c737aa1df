package fastjpeg

import "bytes"

// MaxScans bounds the scans of one image. Encoders write about ten (libjpeg's
// progressive default) and at most a few dozen; every scan is a pass over
// the image, so a crafted file with thousands of tiny scans would make any
// decoder, this one or image/jpeg, pass over the image thousands of times.
// Decode refuses such a file before it decodes anything.
const MaxScans = 100

// checkScans returns a corrupt error if data has more than MaxScans scans.
// Decode calls it first, so an ErrUnsupported from Decode also means that a
// fallback decoder will make at most MaxScans passes.
func checkScans(data []byte) error {
	if n := countScans(data); n > MaxScans {
		return corrupt("more than %d scans, more than any real encoder writes (each scan costs a pass over the image)", MaxScans)
	}
	return nil
}

// countScans counts the start-of-scan markers of a JPEG, skipping segment
// payloads and entropy-coded data (where 0xFF is always followed by a zero
// stuffing byte or a restart marker). It stops counting past MaxScans.
func countScans(data []byte) int {
	n := 0
	for i := 2; i+1 < len(data) && n <= MaxScans; {
		if data[i] != 0xFF {
			// Entropy-coded data: jump to the next 0xFF that starts a marker.
			j := bytes.IndexByte(data[i:], 0xFF)
			if j < 0 {
				break
			}
			i += j
			continue
		}
		m := data[i+1]
		switch {
		case m == 0xFF:
			i++ // fill byte
			continue
		case m == 0x00 || (m >= mRST0 && m <= mRST7) || m == mTEM || m == mSOI:
			i += 2 // stuffing or a marker without a payload
			continue
		case m == mEOI:
			return n
		}
		if i+4 > len(data) {
			break
		}
		if m == mSOS {
			n++
		}
		i += 2 + (int(data[i+2])<<8 | int(data[i+3]))
	}
	return n
}
