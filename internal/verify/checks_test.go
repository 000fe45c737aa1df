package verify

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imgpipe/imgpipe/lambda/metadata"
)

func TestExpectedSize(t *testing.T) {
	cases := []struct {
		name         string
		w, h, size   int
		wantW, wantH int
	}{
		{"landscape shrinks to the longest edge", 4032, 3024, 256, 256, 192},
		{"portrait shrinks to the longest edge", 3024, 4032, 1024, 768, 1024},
		{"rounds the short edge", 400, 301, 256, 256, 193},
		{"never upscales", 150, 103, 1024, 150, 103},
		{"exactly the size stays", 256, 100, 256, 256, 100},
		{"square", 1000, 1000, 256, 256, 256},
		{"very thin keeps one pixel", 10000, 3, 256, 256, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w, h := ExpectedSize(tc.w, tc.h, tc.size)
			assert.Equal(t, [2]int{tc.wantW, tc.wantH}, [2]int{w, h})
		})
	}
}

func TestSizeMatchesAllowsOnePixelOnTheShortEdgeOnly(t *testing.T) {
	assert.True(t, sizeMatches(256, 192, 256, 193))
	assert.True(t, sizeMatches(256, 194, 256, 193))
	assert.False(t, sizeMatches(256, 191, 256, 193))
	assert.False(t, sizeMatches(255, 193, 256, 193), "the longest edge is exact")
	assert.False(t, sizeMatches(193, 256, 256, 193), "orientation matters")
}

func TestObjectMatches(t *testing.T) {
	rec := metadata.Record{Key: "uploads/a.jpg", VersionID: "v2", ETag: "abc"}
	cases := []struct {
		name string
		obj  Object
		want bool
	}{
		{"same version", Object{Key: "uploads/a.jpg", VersionID: "v2", ETag: `"zzz"`}, true},
		{"other version", Object{Key: "uploads/a.jpg", VersionID: "v1", ETag: `"abc"`}, false},
		{"no version id: quoted ETag", Object{Key: "uploads/a.jpg", ETag: `"abc"`}, true},
		{"no version id: other ETag", Object{Key: "uploads/a.jpg", ETag: `"abd"`}, false},
		{"other key", Object{Key: "uploads/b.jpg", VersionID: "v2"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.obj.Matches(rec))
		})
	}
	// A record without a versionId (store that sends none) matches by ETag.
	assert.True(t, Object{Key: "uploads/a.jpg", VersionID: "v9", ETag: "abc"}.Matches(metadata.Record{Key: "uploads/a.jpg", ETag: "abc"}))
}

func TestPollReturnsTheLastErrorOnTimeout(t *testing.T) {
	calls := 0
	err := poll(context.Background(), 50*time.Millisecond, 5*time.Millisecond, func(context.Context) (bool, error) {
		calls++
		return false, errors.New("not yet: thumbnail is 10x10")
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not yet: thumbnail is 10x10")
	assert.Greater(t, calls, 1)

	err = poll(context.Background(), time.Second, time.Millisecond, func(context.Context) (bool, error) { return true, nil })
	assert.NoError(t, err)
}

// failingScans is a DynamoDBAPI whose Scan fails the first `fails` calls
// and then returns an empty page.
type failingScans struct {
	DynamoDBAPI
	fails, calls int
}

func (f *failingScans) Scan(context.Context, *dynamodb.ScanInput, ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	f.calls++
	if f.calls <= f.fails {
		return nil, errors.New("AccessDeniedException: not authorized to perform dynamodb:Scan")
	}
	return &dynamodb.ScanOutput{}, nil
}

func TestWaitForObjectsTimeout(t *testing.T) {
	tests := []struct {
		name    string
		fails   int
		wantErr string // "" for a timeout reported only through missing
	}{
		{"last try failed", 1 << 30, "timed out after 50ms; last error: scan table t: AccessDeniedException: not authorized"},
		{"earlier tries failed, the last one did not", 1, ""},
		{"no try failed", 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tg := Target{S3: struct{ S3API }{}, DynamoDB: &failingScans{fails: tc.fails}, Bucket: "b", Table: "t",
				UploadsPrefix: "uploads/", ThumbnailsPrefix: "thumbnails/",
				Timeout: 50 * time.Millisecond, Interval: 5 * time.Millisecond}
			found, missing, err := WaitForObjects(context.Background(), tg, []Object{{Key: "uploads/a.jpg", ETag: "abc"}}, nil)
			assert.Empty(t, found)
			assert.Equal(t, []string{"uploads/a.jpg"}, missing)
			if tc.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorContains(t, err, tc.wantErr)
		})
	}
}

func TestTargetValidation(t *testing.T) {
	_, err := Records(context.Background(), Target{Bucket: "b", Table: "t"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "S3 and a DynamoDB client")
}
