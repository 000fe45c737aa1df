//go:build linux

package stack

import "syscall"

// childAttr puts the handler in its own process group (so the whole group
// can be signalled) and asks the kernel to kill it if this process dies
// without cleaning up (go test timeout, SIGKILL).
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
