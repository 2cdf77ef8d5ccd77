content "story" { title = "A story", channel = "email" }

test "expects a stage that does not exist" {
  events = { { "page_view" } },
  expect_stage = "nirvana",
}
