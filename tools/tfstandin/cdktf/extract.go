// Package cdktf rebuilds a Terraform provider schema from the npm package that
// CDK for Terraform generates from it (here @cdktf/provider-aws, generated from
// hashicorp/aws). Each lib/<name>/ folder holds one resource, data source or
// the provider; its .js files embed their TypeScript source in a source map,
// and that source records, for every attribute, its Terraform name, whether it
// is computed, optional or required, its type, and whether it is a block.
package cdktf

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/imgpipe/imgpipe/tools/tfstandin/schema"
)

// ErrNoSource is returned for a .js file without an embedded TypeScript source.
var ErrNoSource = errors.New("no embedded TypeScript source")

// Extract reads the unpacked npm package at pkgDir (the folder holding
// package.json and lib/) and returns the provider schema.
func Extract(pkgDir string) (*schema.Provider, error) {
	libDir := filepath.Join(pkgDir, "lib")
	entries, err := os.ReadDir(libDir)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", libDir, err)
	}
	p := &schema.Provider{ResourceSchemas: map[string]*schema.Schema{}, DataSourceSchemas: map[string]*schema.Schema{}}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		src, err := folderSource(filepath.Join(libDir, e.Name()))
		if err != nil {
			return nil, err
		}
		u, err := ParseUnit(src)
		if err != nil {
			return nil, fmt.Errorf("lib/%s: %w", e.Name(), err)
		}
		if u == nil {
			continue // a folder without a resource, data source or provider
		}
		block, err := u.Block()
		if err != nil {
			return nil, fmt.Errorf("lib/%s (%s): %w", e.Name(), u.TypeName, err)
		}
		s := &schema.Schema{Block: block}
		switch u.Kind {
		case KindResource:
			p.ResourceSchemas[u.TypeName] = s
		case KindDataSource:
			p.DataSourceSchemas[u.TypeName] = s
		case KindProvider:
			p.Provider = s
		}
	}
	if p.Provider == nil {
		return nil, fmt.Errorf("%s: no provider configuration found under lib/", pkgDir)
	}
	if len(p.ResourceSchemas) == 0 {
		return nil, fmt.Errorf("%s: no resources found under lib/", pkgDir)
	}
	return p, nil
}

// folderSource concatenates the TypeScript sources embedded in every .js file
// under dir (index.js and, for large resources, index-structs/*.js).
func folderSource(dir string) (string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(path, ".js") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("walk %s: %w", dir, err)
	}
	sort.Strings(files)
	var b strings.Builder
	for _, f := range files {
		js, err := os.ReadFile(f)
		if err != nil {
			return "", fmt.Errorf("read %s: %w", f, err)
		}
		src, err := EmbeddedSource(string(js))
		if err != nil {
			return "", fmt.Errorf("%s: %w", f, err)
		}
		b.WriteString(src)
		b.WriteString("\n")
	}
	return b.String(), nil
}

var sourceMapRE = regexp.MustCompile(`(?m)^//# sourceMappingURL=data:application/json;base64,([A-Za-z0-9+/=]+)\s*$`)

// EmbeddedSource returns the TypeScript source embedded in a compiled .js
// file's inline source map.
func EmbeddedSource(js string) (string, error) {
	m := sourceMapRE.FindStringSubmatch(js)
	if m == nil {
		return "", ErrNoSource
	}
	raw, err := base64.StdEncoding.DecodeString(m[1])
	if err != nil {
		return "", fmt.Errorf("decode source map: %w", err)
	}
	var sm struct {
		SourcesContent []string `json:"sourcesContent"`
	}
	if err := json.Unmarshal(raw, &sm); err != nil {
		return "", fmt.Errorf("parse source map: %w", err)
	}
	if len(sm.SourcesContent) == 0 {
		return "", ErrNoSource
	}
	return strings.Join(sm.SourcesContent, "\n"), nil
}
