// Command notices writes THIRD_PARTY_NOTICES.md at the repository root
// (make notices).
package main

import (
	"fmt"
	"os"

	"github.com/imgpipe/imgpipe/internal/notices"
)

func main() {
	mods, err := notices.Modules("go", ".")
	if err == nil {
		var b []byte
		if b, err = notices.Generate(mods); err == nil {
			err = os.WriteFile(notices.File, b, 0o644)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "notices:", err)
		os.Exit(1)
	}
	fmt.Printf("notices: wrote %s (%d modules)\n", notices.File, len(mods))
}
