-- A one-rule playbook for the reload flow: every page view schedules a hello a day later.
content "hello" { title = "Hello", url = "https://example.com/hello", channel = "email" }

act "say_hello" {
  on = "page_view",
  send = { content = "hello", after = "1d" },
  cooldown = "0",
  because = "version one",
}
