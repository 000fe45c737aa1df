// Command doccheck fails when the repository refers to what it does not
// contain: a relative Markdown link or #anchor that resolves to nothing, or
// an issue-tracker number. It checks the files git knows (tracked, plus new
// ones not ignored) from the repository root, prints one line per problem
// (file:line: what is wrong) and exits 1 if there is any.
package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/imgpipe/imgpipe/internal/doccheck"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "doccheck:", err)
		os.Exit(1)
	}
}

func run() error {
	root, err := git("rev-parse", "--show-toplevel")
	if err != nil {
		return err
	}
	root = strings.TrimSpace(root)
	list, err := git("-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	if err != nil {
		return err
	}
	var files []string
	for _, f := range strings.Split(list, "\x00") {
		if f == "" {
			continue
		}
		if _, err := os.Lstat(root + "/" + f); err == nil { // deleted but not yet staged: gone
			files = append(files, f)
		}
	}
	problems, err := doccheck.Check(doccheck.DirRepo(root, files))
	if err != nil {
		return err
	}
	for _, p := range problems {
		fmt.Println(p)
	}
	if len(problems) > 0 {
		return fmt.Errorf("%d reference(s) to what the repository does not contain", len(problems))
	}
	fmt.Printf("doccheck: %d files, every relative Markdown link resolves, no issue numbers\n", len(files))
	return nil
}

func git(args ...string) (string, error) {
	var stderr bytes.Buffer
	cmd := exec.Command("git", args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}
