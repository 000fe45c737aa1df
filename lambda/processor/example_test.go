package processor_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"io"
	"log"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/imgpipe/imgpipe/internal/contract"
	"github.com/imgpipe/imgpipe/lambda/fault"
	"github.com/imgpipe/imgpipe/lambda/imaging"
	"github.com/imgpipe/imgpipe/lambda/metadata"
	"github.com/imgpipe/imgpipe/lambda/metrics"
	"github.com/imgpipe/imgpipe/lambda/objectstore"
	"github.com/imgpipe/imgpipe/lambda/processor"
	"github.com/imgpipe/imgpipe/lambda/rendition"
)

// bucket is a one-bucket, unversioned object store in memory: what the
// handler needs of S3 (processor.Objects).
type bucket struct {
	mu      sync.Mutex
	objects map[string][]byte
}

func (b *bucket) Read(_ context.Context, _, key, _ string, maxBytes int64) (objectstore.Object, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	data, ok := b.objects[key]
	if !ok {
		return objectstore.Object{}, fault.Permanentf(contract.ReasonNotFound, "no object %s", key)
	}
	obj := objectstore.Object{ETag: fmt.Sprintf("etag-%d", len(data)), Size: int64(len(data)), LastModified: time.UnixMilli(1_700_000_000_000)}
	if obj.Size > maxBytes {
		return obj, fault.Permanentf(contract.ReasonTooLarge, "%d bytes", obj.Size)
	}
	obj.Data = data
	return obj, nil
}

func (b *bucket) Current(_ context.Context, _, key string) (string, string, bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	data, ok := b.objects[key]
	return "", fmt.Sprintf("etag-%d", len(data)), ok, nil
}

func (b *bucket) PutThumbnail(_ context.Context, _ string, t objectstore.Thumbnail) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.objects[t.Key] = t.Body
	return nil
}

// Versions lists the key's one version (the bucket is unversioned).
func (b *bucket) Versions(_ context.Context, _, key string) ([]objectstore.Version, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	data, ok := b.objects[key]
	if !ok {
		return nil, nil
	}
	return []objectstore.Version{{IsLatest: true, ETag: fmt.Sprintf("etag-%d", len(data)), Size: int64(len(data))}}, nil
}

func (b *bucket) DeleteThumbnail(_ context.Context, _, key string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.objects, key)
	return nil
}

// table keeps every record in memory (processor.Records); every event here
// is new, so every Put is written.
type table struct {
	mu      sync.Mutex
	records []metadata.Record
}

func (t *table) Put(_ context.Context, rec metadata.Record) (metadata.PutResult, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.records = append(t.records, rec)
	return metadata.PutResult{Written: true}, nil
}

func (t *table) Versions(_ context.Context, imageID string) ([]metadata.Record, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []metadata.Record
	for _, r := range t.records {
		if r.ImageID == imageID {
			out = append(out, r)
		}
	}
	return out, nil
}

func s3Record(key string, size int64) events.S3EventRecord {
	return events.S3EventRecord{
		EventName: "ObjectCreated:Put",
		EventTime: time.UnixMilli(1_700_000_000_000),
		S3: events.S3Entity{
			Bucket: events.S3Bucket{Name: "photos"},
			Object: events.S3Object{Key: key, Size: size},
		},
	}
}

// One event with three records: a PNG that gets two thumbnails and a
// PROCESSED record, a text file that gets a FAILED record with its reason,
// and a key outside the uploads prefix that is ignored. Handle returns nil:
// every record was handled, none needs a retry.
func ExampleHandler_Handle() {
	var upload bytes.Buffer
	if err := png.Encode(&upload, image.NewGray(image.Rect(0, 0, 800, 600))); err != nil {
		log.Fatal(err)
	}
	notes := []byte("not an image\n")
	objects := &bucket{objects: map[string][]byte{
		"uploads/cat.png":   upload.Bytes(),
		"uploads/notes.jpg": notes,
		"other/readme.txt":  notes,
	}}
	records := &table{}
	sizes := []int{256, 1024}
	img, err := imaging.New(imaging.Options{Sizes: sizes, Quality: 82, MaxPixels: 50_000_000})
	if err != nil {
		log.Fatal(err)
	}
	h, err := processor.New(objects, records, img, metrics.New(io.Discard, "ImageProcessing", "example"), processor.Options{
		UploadsPrefix:    "uploads/",
		ThumbnailsPrefix: "thumbnails/",
		MaxImageBytes:    50 << 20,
		ThumbnailSizes:   sizes,
		Rendition:        rendition.Settings{Version: rendition.Version, Sizes: sizes, Formats: []string{"jpeg"}, Quality: 82}.Fingerprint(),
		Concurrency:      2,
		Logger:           slog.New(slog.NewJSONHandler(io.Discard, nil)),
	})
	if err != nil {
		log.Fatal(err)
	}

	err = h.Handle(context.Background(), events.S3Event{Records: []events.S3EventRecord{
		s3Record("uploads/cat.png", int64(upload.Len())),
		s3Record("uploads/notes.jpg", int64(len(notes))),
		s3Record("other/readme.txt", int64(len(notes))),
	}})
	fmt.Println("Handle:", err)

	sort.Slice(records.records, func(i, j int) bool { return records.records[i].Key < records.records[j].Key })
	for _, r := range records.records {
		fmt.Println(r.Key, r.Status, r.FailureReason, r.Format, r.Width, r.Height)
		var keys []string
		for size, th := range r.Thumbnails {
			keys = append(keys, fmt.Sprintf("%s: %s %dx%d", size, th.Key, th.Width, th.Height))
		}
		slices.Sort(keys)
		for _, k := range keys {
			fmt.Println("  ", k)
		}
	}
	// Output:
	// Handle: <nil>
	// uploads/cat.png PROCESSED  png 800 600
	//    1024: thumbnails/1024/cat.png.jpg 800x600
	//    256: thumbnails/256/cat.png.jpg 256x192
	// uploads/notes.jpg FAILED unsupported_format  0 0
}

// New refuses options it cannot work with, naming each problem.
func ExampleNew() {
	_, err := processor.New(nil, nil, nil, nil, processor.Options{UploadsPrefix: "uploads/", ThumbnailsPrefix: "thumbnails/", ThumbnailSizes: []int{256}, Rendition: "r1"})
	fmt.Println(err)
	// Output:
	// processor: invalid options: MaxImageBytes is 0, must be > 0; Concurrency is 0, must be >= 1
}
