package itest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gruntwork-io/terratest/modules/files"
)

// ConfigTrees are the folders, relative to the repository root, that a
// working copy of any suite's configuration needs: the configurations
// themselves and the modules they call by relative path.
var ConfigTrees = []string{"modules", "terraform", "test/fixtures"}

// CopyFilter returns the filter for files.CopyFolderToDest that keeps,
// under root, only the trees listed (and the folders leading to them), and
// within them no hidden files or folders (.terraform, editor files) except
// .terraform.lock.hcl, and no state or terraform.tfvars: the same rules as
// Terratest's CopyTerraformFolderToDest, applied relative to root so a
// checkout under a hidden folder still copies.
func CopyFilter(root string, trees []string) func(path string) bool {
	return func(path string) bool {
		rel, err := filepath.Rel(root, path)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return false
		}
		rel = filepath.ToSlash(rel)
		if !inOrAbove(rel, trees) {
			return false
		}
		base := filepath.Base(path)
		if files.PathIsTerraformLockFile(path) {
			return true
		}
		for _, part := range strings.Split(rel, "/") {
			if strings.HasPrefix(part, ".") && part != "." {
				return false
			}
		}
		switch base {
		case "terraform.tfstate", "terraform.tfstate.backup", "terraform.tfvars", "terraform.tfvars.json":
			return false
		}
		return true
	}
}

// inOrAbove reports whether rel is one of trees, inside one, or a folder
// on the way to one.
func inOrAbove(rel string, trees []string) bool {
	for _, t := range trees {
		if rel == t || strings.HasPrefix(rel, t+"/") || strings.HasPrefix(t, rel+"/") {
			return true
		}
	}
	return false
}

// CopyConfig copies the configuration trees of repoRoot into a new
// temporary folder under destRoot. It returns dir, the path of folder
// (e.g. "terraform" or "test/fixtures/storage") inside the copy, where
// relative module sources such as ../modules/storage resolve, and tmp, the
// new temporary folder to remove when done. Every run gets its own copy:
// .terraform, lock and state never mix.
func CopyConfig(repoRoot, destRoot, prefix, folder string) (dir, tmp string, err error) {
	if _, err := os.Stat(filepath.Join(repoRoot, folder)); err != nil {
		return "", "", fmt.Errorf("itest: configuration folder %s: %w", folder, err)
	}
	copied, err := files.CopyFolderToDest(repoRoot, destRoot, prefix, CopyFilter(repoRoot, ConfigTrees))
	if err != nil {
		return "", "", fmt.Errorf("itest: copy %s to a temporary folder: %w", repoRoot, err)
	}
	return filepath.Join(copied, folder), filepath.Dir(copied), nil
}
