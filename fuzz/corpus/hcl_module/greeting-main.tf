/**
 * # greeting
 *
 * A small example module: it builds a greeting from a name, with no
 * providers, so it can be applied anywhere.
 */

terraform {
  required_version = ">= 1.0"
}

module "formatter" {
  source = "./modules/formatter"
  text   = var.shout ? upper("Hello, ${var.name}") : "Hello, ${var.name}"
}
