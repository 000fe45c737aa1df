// Package local holds the end-to-end suite of imgpipe on the local stack
// (kumo in-process, see local/stack): the real Lambda handler, built for
// the host, processes real uploads, and the shared checks of internal/verify
// assert the outcome, as the Terratest suites do on AWS.
package local
