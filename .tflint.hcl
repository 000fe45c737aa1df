# tflint for modules/, terraform/, examples/ and test/fixtures/ (run by `make tf-lint`).
# Only the bundled terraform ruleset: the AWS ruleset plugin cannot be
# installed offline, so it is not declared.
config {
  # Inspect local module calls (../modules/*) too.
  call_module_type = "local"
}

plugin "terraform" {
  enabled = true
  preset  = "all"
}
