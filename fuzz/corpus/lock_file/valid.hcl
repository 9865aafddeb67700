# This file is maintained by "registry lock".

module "vpc" {
  source      = "registry.example.com/acme/vpc/aws"
  version     = "1.2.0"
  constraints = "~> 1.2"
  hashes = [
    "h1:abc=",
  ]
}
