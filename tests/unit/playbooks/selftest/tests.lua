test "two FAQ reads send the story an hour later" {
  start = "2026-03-02T09:00:00Z",
  facts = { industry = "retail" },
  events = {
    { "page_view", page_type = "faq" },
    { "page_view", after = "10m", page_type = "faq" },
  },
  expect = { { content = "story", channel = "email", due = "2026-03-02T10:10:00Z", rule = "reassure" } },
  expect_no = { { task = "inside_sales" } },
  expect_stage = "researching",
  expect_mind = { anxiety = { at_least = 0.59, at_most = 0.61 } },
}

test "one read is no worry" {
  events = { { type = "page_view", props = { page_type = "faq" } } },
  expect_none = true,
  expect_mind = { anxiety = 0.3 },
}

test "wrong expectations fail" {
  events = { { "page_view", page_type = "faq" } },
  expect = { { content = "story" } },
  expect_stage = "evaluating",
}

test "a third read calls for a person at once" {
  events = { { "page_view", at = "2026-03-02T09:00:00Z", page_type = "faq" },
             { "page_view", after = "1m", page_type = "faq" },
             { "page_view", after = "1m", page_type = "faq" } },
  expect = { { task = "inside_sales", after = "0" } },
}
