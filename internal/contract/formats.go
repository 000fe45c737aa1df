package contract

import (
	"fmt"
	"strconv"
	"strings"
)

// ThumbnailFormat is one encoding thumbnails can be written in: its name
// (a THUMBNAIL_FORMATS value and the record's key for it), the extension
// appended to the thumbnail key and the Content-Type of the object.
type ThumbnailFormat struct {
	Name        string
	Ext         string
	ContentType string
}

// The thumbnail formats.
var (
	// FormatJPEG is the format of every thumbnail written before formats
	// were configurable; its keys end in ".jpg", exactly as they always have.
	FormatJPEG = ThumbnailFormat{Name: "jpeg", Ext: ".jpg", ContentType: "image/jpeg"}
	FormatWebP = ThumbnailFormat{Name: "webp", Ext: ".webp", ContentType: "image/webp"}
	FormatAVIF = ThumbnailFormat{Name: "avif", Ext: ".avif", ContentType: "image/avif"}
)

// ThumbnailFormats lists every thumbnail format in canonical order: the
// order a configured list is put in, and the order of preference for the
// record's primary thumbnail (the first configured one).
var ThumbnailFormats = []ThumbnailFormat{FormatJPEG, FormatWebP, FormatAVIF}

// LookupThumbnailFormat returns the format named name (lower case).
func LookupThumbnailFormat(name string) (ThumbnailFormat, bool) {
	for _, f := range ThumbnailFormats {
		if f.Name == name {
			return f, true
		}
	}
	return ThumbnailFormat{}, false
}

// ThumbnailFormatNames are the names of ThumbnailFormats, in order.
func ThumbnailFormatNames() []string {
	names := make([]string, len(ThumbnailFormats))
	for i, f := range ThumbnailFormats {
		names[i] = f.Name
	}
	return names
}

// ParseThumbnailFormats parses a THUMBNAIL_FORMATS value: a
// comma-separated list of one or more format names (case-insensitive,
// spaces around names ignored). The result has each format once, in
// canonical order (ThumbnailFormats), so "webp,jpeg" and "jpeg,webp" are
// the same configuration.
func ParseThumbnailFormats(v string) ([]ThumbnailFormat, error) {
	seen := map[string]bool{}
	for part := range strings.SplitSeq(v, ",") {
		name := strings.ToLower(strings.TrimSpace(part))
		if _, ok := LookupThumbnailFormat(name); !ok {
			return nil, fmt.Errorf("%q is not a thumbnail format (%s)", strings.TrimSpace(part), strings.Join(ThumbnailFormatNames(), ", "))
		}
		seen[name] = true
	}
	var out []ThumbnailFormat
	for _, f := range ThumbnailFormats {
		if seen[f.Name] {
			out = append(out, f)
		}
	}
	return out, nil
}

// Key is the deterministic key of the thumbnail of size px in format f for
// the original at key: thumbnailsPrefix + "<size>/" + key with
// uploadsPrefix removed + f.Ext. The original's extension is kept, so
// "a.png" and "a.jpg" never share a thumbnail, and reprocessing overwrites
// rather than duplicates. key must start with uploadsPrefix.
func (f ThumbnailFormat) Key(thumbnailsPrefix, uploadsPrefix, key string, size int) string {
	return thumbnailsPrefix + strconv.Itoa(size) + "/" + strings.TrimPrefix(key, uploadsPrefix) + f.Ext
}
