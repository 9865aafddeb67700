module "x" {
  source = 1
  version = [1]
  hashes = "h1"
}
