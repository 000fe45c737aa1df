// Package doccheck finds references in the repository to what it does not
// contain: relative Markdown links (and their #anchors) that point at no
// file or heading, and mentions of issue-tracker numbers, which mean nothing
// to a reader of the repository.
//
// Markdown is parsed with goldmark (CommonMark), so links inside code spans
// and fenced blocks are not links, as on GitHub. Anchors follow GitHub's
// heading ids: lower-cased, punctuation dropped, spaces to hyphens, and
// "-1", "-2"... for repeated headings.
package doccheck

import (
	"bytes"
	"fmt"
	"net/url"
	"os"
	"path"
	"regexp"
	"sort"
	"strings"
	"unicode"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"
)

// Problem is one broken reference.
type Problem struct {
	File string // slash-separated, relative to the repository root
	Line int    // 1-based
	Msg  string
}

func (p Problem) String() string { return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg) }

// Repo is a set of files: their slash-separated paths relative to the
// repository root, and a way to read them.
type Repo struct {
	Files []string
	Read  func(name string) ([]byte, error)
}

// DirRepo returns the Repo of files under root (paths relative to it).
func DirRepo(root string, files []string) Repo {
	return Repo{Files: files, Read: func(name string) ([]byte, error) { return os.ReadFile(path.Join(root, name)) }}
}

// Check runs every check over the repository and returns the problems in
// file and line order.
func Check(r Repo) ([]Problem, error) {
	links, err := Links(r)
	if err != nil {
		return nil, err
	}
	refs, err := IssueRefs(r)
	if err != nil {
		return nil, err
	}
	all := append(links, refs...)
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].File != all[j].File {
			return all[i].File < all[j].File
		}
		return all[i].Line < all[j].Line
	})
	return all, nil
}

// Links checks every relative link and image of every .md file: the path
// must name a file or folder of the repository, and a #fragment must name a
// heading (or an explicit id="..." anchor) of the Markdown file it points
// to. Links with a scheme (https:, mailto:) are not checked.
func Links(r Repo) ([]Problem, error) {
	files := map[string]bool{}
	dirs := map[string]bool{}
	for _, f := range r.Files {
		files[f] = true
		for d := path.Dir(f); d != "." && d != "/" && !dirs[d]; d = path.Dir(d) {
			dirs[d] = true
		}
	}
	anchors := map[string]map[string]bool{} // .md file → its anchors, parsed once
	docs := map[string]*parsed{}
	parse := func(name string) (*parsed, error) {
		if d, ok := docs[name]; ok {
			return d, nil
		}
		src, err := r.Read(name)
		if err != nil {
			return nil, err
		}
		d := parseMarkdown(src)
		docs[name] = d
		anchors[name] = d.anchors
		return d, nil
	}
	var out []Problem
	for _, name := range r.Files {
		if !strings.HasSuffix(name, ".md") {
			continue
		}
		d, err := parse(name)
		if err != nil {
			return nil, err
		}
		for _, l := range d.links {
			u, err := url.Parse(l.dest)
			if err != nil {
				out = append(out, Problem{name, l.line, fmt.Sprintf("link %q does not parse: %v", l.dest, err)})
				continue
			}
			if u.Scheme != "" || u.Host != "" {
				continue
			}
			target := name
			if u.Path != "" {
				if strings.HasPrefix(u.Path, "/") {
					target = path.Clean(strings.TrimPrefix(u.Path, "/"))
				} else {
					target = path.Join(path.Dir(name), u.Path)
				}
				if target == "." || strings.HasPrefix(target, "../") {
					out = append(out, Problem{name, l.line, fmt.Sprintf("link %q points outside the repository", l.dest)})
					continue
				}
				if !files[target] && !dirs[target] {
					out = append(out, Problem{name, l.line, fmt.Sprintf("link %q points at %s, which the repository does not contain", l.dest, target)})
					continue
				}
			}
			if u.Fragment == "" || !strings.HasSuffix(target, ".md") {
				continue
			}
			t, err := parse(target)
			if err != nil {
				return nil, err
			}
			if !t.anchors[strings.ToLower(u.Fragment)] {
				out = append(out, Problem{name, l.line, fmt.Sprintf("link %q: %s has no heading with id %q", l.dest, target, u.Fragment)})
			}
		}
	}
	return out, nil
}

type link struct {
	dest string
	line int
}

type parsed struct {
	links   []link
	anchors map[string]bool
}

// explicitID matches HTML anchors written by hand: <a id="x"> or name="x".
var explicitID = regexp.MustCompile(`(?i)<a\s[^>]*\b(?:id|name)="([^"]+)"`)

func parseMarkdown(src []byte) *parsed {
	doc := goldmark.New().Parser().Parse(text.NewReader(src))
	p := &parsed{anchors: map[string]bool{}}
	seen := map[string]int{}
	lineOf := func(offset int) int { return bytes.Count(src[:offset], []byte("\n")) + 1 }
	// nodeLine is the line of the first text segment at or below n.
	var nodeLine func(n ast.Node) int
	nodeLine = func(n ast.Node) int {
		if n.Type() == ast.TypeBlock && n.Lines().Len() > 0 {
			return lineOf(n.Lines().At(0).Start)
		}
		if t, ok := n.(*ast.Text); ok {
			return lineOf(t.Segment.Start)
		}
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			if l := nodeLine(c); l > 0 {
				return l
			}
		}
		return 0
	}
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Heading:
			id := slug(plainText(n, src))
			if k := seen[id]; k > 0 {
				p.anchors[fmt.Sprintf("%s-%d", id, k)] = true
			} else {
				p.anchors[id] = true
			}
			seen[id]++
		case *ast.Link:
			p.links = append(p.links, link{string(n.Destination), lineNear(n, nodeLine)})
		case *ast.Image:
			p.links = append(p.links, link{string(n.Destination), lineNear(n, nodeLine)})
		}
		return ast.WalkContinue, nil
	})
	for _, m := range explicitID.FindAllSubmatch(src, -1) {
		p.anchors[strings.ToLower(string(m[1]))] = true
	}
	return p
}

// lineNear is the line of n, or of the closest node before it that has one
// (a link whose text is an image or empty has no text segment of its own).
func lineNear(n ast.Node, nodeLine func(ast.Node) int) int {
	for m := n; m != nil; {
		if l := nodeLine(m); l > 0 {
			return l
		}
		if m.PreviousSibling() != nil {
			m = m.PreviousSibling()
		} else {
			m = m.Parent()
		}
	}
	return 1
}

// plainText is the text of a heading as GitHub sees it: the text of its
// inline children, code spans included, markup dropped.
func plainText(n ast.Node, src []byte) string {
	var b strings.Builder
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch t := c.(type) {
		case *ast.Text:
			b.Write(t.Segment.Value(src))
		case *ast.String:
			b.Write(t.Value)
		}
		return ast.WalkContinue, nil
	})
	return b.String()
}

// slug is GitHub's id of a heading: lower case, every character that is not
// a letter, digit, space, hyphen or underscore dropped, spaces to hyphens.
func slug(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// issueRef matches the word issue (or issues) followed by a number, with
// or without "#", in any case: a number in an issue tracker that this
// repository does not carry.
var issueRef = regexp.MustCompile(`(?i)\bissues?\s+#?[0-9]+\b|\bissue\s*#[0-9]+\b`)

// IssueRefs reports every mention of an issue number in a text file of the
// repository. Files with a NUL byte in their first 8000 bytes are binary
// and skipped, as git does.
func IssueRefs(r Repo) ([]Problem, error) {
	var out []Problem
	for _, name := range r.Files {
		b, err := r.Read(name)
		if err != nil {
			return nil, err
		}
		if bytes.IndexByte(b[:min(len(b), 8000)], 0) >= 0 {
			continue
		}
		for i, line := range bytes.Split(b, []byte("\n")) {
			if m := issueRef.Find(line); m != nil {
				out = append(out, Problem{name, i + 1, fmt.Sprintf("%q refers to an issue tracker the repository does not contain: say what is meant instead", m)})
			}
		}
	}
	return out, nil
}
