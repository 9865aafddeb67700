# Run with `registry test examples/modules/greeting/v1.1.0` (or
# `terraform test` in that folder): no providers, nothing to mock.

variables {
  name = "world"
}

run "greets_by_name" {
  command = plan

  assert {
    condition     = output.greeting == "Hello, world!"
    error_message = "Unexpected greeting: ${output.greeting}"
  }
}

run "shouts_when_asked" {
  variables {
    shout = true
  }

  assert {
    condition     = output.greeting == "HELLO, WORLD!"
    error_message = "Shouting should upper-case the greeting, got ${output.greeting}"
  }
}

run "refuses_an_empty_name" {
  command = plan

  variables {
    name = ""
  }

  expect_failures = [var.name]
}

run "formatter_appends_the_suffix" {
  module {
    source = "./modules/formatter"
  }

  variables {
    text   = "Hi"
    suffix = "?"
  }

  assert {
    condition     = output.result == "Hi?"
    error_message = "The formatter should append its suffix"
  }
}
