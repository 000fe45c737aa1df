package notices

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const repo = "../.."

// TestNoticesCoverBootstrap regenerates the notices from what the Lambda
// build links: a module added (or upgraded) without `make notices` fails.
func TestNoticesCoverBootstrap(t *testing.T) {
	goBin, err := exec.LookPath("go")
	require.NoError(t, err)
	mods, err := Modules(goBin, repo)
	require.NoError(t, err)
	require.NotEmpty(t, mods)
	committed, err := os.ReadFile(filepath.Join(repo, File))
	require.NoError(t, err, "run make notices")
	for _, m := range mods {
		assert.Contains(t, string(committed), "| "+m.Path+" | "+m.Version+" |", "%s %s is linked into bootstrap but missing from %s: run make notices", m.Path, m.Version, File)
	}
	want, err := Generate(mods)
	require.NoError(t, err)
	assert.True(t, string(want) == string(committed), "%s is out of date: run make notices", File)
	for _, lib := range []string{"libheif", "libde265", "libavif", "libaom"} {
		assert.Contains(t, string(committed), "| "+lib+" |", "the embedded %s has a notice", lib)
	}
}

func TestIdentify(t *testing.T) {
	for text, want := range map[string]string{
		"GNU LESSER GENERAL PUBLIC LICENSE Version 3":                            "LGPL",
		"Apache License\nVersion 2.0, January 2004":                              "Apache-2.0",
		"Permission is hereby granted, free of charge, to any person":            "MIT",
		"Redistribution and use in source and binary forms ... Neither the name": "BSD-3-Clause",
		"Redistribution and use in source and binary forms, with or without":     "BSD-2-Clause",
		"All rights reserved.": "see text",
	} {
		assert.Equal(t, want, identify(text), strings.SplitN(text, "\n", 2)[0])
	}
}

func TestModuleWithoutLicenceFails(t *testing.T) {
	_, err := Generate([]Module{{Path: "example.com/nolicence", Version: "v1.0.0", Dir: t.TempDir()}})
	assert.ErrorContains(t, err, "has no licence file")
}
