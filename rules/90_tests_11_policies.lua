-- The engine's policies (50_policies.lua) at work.

test "a meeting booked cancels the story still pending" {
  facts = { industry = "manufacturing" },
  start = "2026-03-02T09:00:00Z",
  events = {
    { "page_view", page_type = "faq" },
    { "page_view", after = "1d", page_type = "faq" },
    { "page_view", after = "1d", page_type = "faq" },    -- story due an hour later
    { "meeting_booked", after = "30m" },                  -- before it goes out
  },
  expect_no = { { content = "story-manufacturing" } },
}

test "without the meeting the story goes out" {
  facts = { industry = "manufacturing" },
  start = "2026-03-02T09:00:00Z",
  events = {
    { "page_view", page_type = "faq" },
    { "page_view", after = "1d", page_type = "faq" },
    { "page_view", after = "1d", page_type = "faq" },
  },
  expect = { { content = "story-manufacturing", after = "1h" } },
}
