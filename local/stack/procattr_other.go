//go:build unix && !linux

package stack

import "syscall"

// childAttr puts the handler in its own process group so the whole group
// can be signalled.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
