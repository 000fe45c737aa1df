package preflight

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const identityXML = `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:sts::123456789012:assumed-role/imgpipe-ci/nightly</Arn>
    <UserId>AROAEXAMPLE:nightly</UserId>
    <Account>123456789012</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata><RequestId>4d8e0a9e-0000-0000-0000-000000000000</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>`

const invalidTokenXML = `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error>
  <RequestId>4d8e0a9e-0000-0000-0000-000000000001</RequestId>
</ErrorResponse>`

// isolate removes every way the host could supply AWS settings, so each
// case sees only what it sets.
func isolate(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{
		"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
		"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
		"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS",
	} {
		t.Setenv(name, "")
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

func fakeSTS(t *testing.T, handler http.HandlerFunc) string {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	return srv.URL
}

func staticCreds(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
}

func TestCheck(t *testing.T) {
	ok := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		_, _ = w.Write([]byte(identityXML))
	}
	rejected := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(invalidTokenXML))
	}
	// hangs never answers; it returns when the client gives up (the body
	// must be read for the server to notice) or when the test ends.
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	hangs := func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}

	tests := []struct {
		name      string
		region    string
		creds     bool
		sts       http.HandlerFunc
		timeout   time.Duration
		wantErr   []string // substrings of the message; nil means success
		wantIdent Identity
	}{
		{
			name: "nothing set names region and credentials", creds: false,
			wantErr: []string{"no AWS region is set (AWS_REGION) and no AWS credentials were found", "AWS_PROFILE", "AWS_ACCESS_KEY_ID"},
		},
		{
			name: "region but no credentials", region: "eu-west-1",
			wantErr: []string{"no AWS credentials were found", "AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY"},
		},
		{
			name: "credentials but no region", creds: true,
			wantErr: []string{"no AWS region is set (AWS_REGION); credentials were found (EnvConfigCredentials)"},
		},
		{
			name: "credentials rejected by STS", region: "eu-west-1", creds: true, sts: rejected,
			wantErr: []string{"sts:GetCallerIdentity in eu-west-1 failed with the credentials from EnvConfigCredentials", "InvalidClientTokenId"},
		},
		{
			name: "STS never answers", region: "eu-west-1", creds: true, sts: hangs, timeout: 300 * time.Millisecond,
			wantErr: []string{"(timed out)"},
		},
		{
			name: "accepted", region: "eu-west-1", creds: true, sts: ok,
			wantIdent: Identity{
				Account: "123456789012", ARN: "arn:aws:sts::123456789012:assumed-role/imgpipe-ci/nightly",
				Region: "eu-west-1", CredentialSource: "EnvConfigCredentials",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			isolate(t)
			if tc.region != "" {
				t.Setenv("AWS_REGION", tc.region)
			}
			if tc.creds {
				staticCreds(t)
			}
			var load []func(*config.LoadOptions) error
			if tc.sts != nil {
				load = append(load, config.WithBaseEndpoint(fakeSTS(t, tc.sts)))
			}
			id, err := Check(context.Background(), Options{Timeout: tc.timeout, SkipTerraform: true, LoadOptions: load})
			if tc.wantErr == nil {
				require.NoError(t, err)
				assert.Equal(t, tc.wantIdent, id)
				return
			}
			require.Error(t, err)
			var pe *Error
			require.ErrorAs(t, err, &pe)
			for _, want := range tc.wantErr {
				assert.Contains(t, err.Error(), want)
			}
			assert.Contains(t, err.Error(), "AWS_REGION=<region>", "every failure says what is needed")
		})
	}
}

func TestCheckTerraformBinary(t *testing.T) {
	isolate(t)
	_, err := Check(context.Background(), Options{TerraformBinary: "imgpipe-no-such-terraform"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `the Terraform binary "imgpipe-no-such-terraform" is not on PATH`)
}

func TestCheckMissingProfile(t *testing.T) {
	isolate(t)
	t.Setenv("AWS_PROFILE", "imgpipe-no-such-profile")
	_, err := Check(context.Background(), Options{SkipTerraform: true})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is AWS_PROFILE naming a profile that exists?")
	assert.Contains(t, err.Error(), "imgpipe-no-such-profile")
}
