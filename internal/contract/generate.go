package contract

// The Terraform view of this package, modules/contract, is generated:
//go:generate go run ./cmd/genhcl -dir ../../modules/contract
