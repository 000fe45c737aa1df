package contract

// The Terraform view of this package (modules/contract, and the setting
// inputs and function environment of modules/processing) is generated:
//go:generate go run ./cmd/genhcl -root ../..
