-- Tests of the playbook: situation 2, too many options. Long looks at product pages without
-- a next step mean choice overload: the comparison (or a person), never more product mail.

test "long looks at product pages without a next step get the comparison, not a product mail" {
  facts = { company_size = 35, runs_ma = false },
  start = "2026-03-16T08:40:00Z",
  events = {
    { "page_view", page_type = "product", url = "/product/journeys", dwell_s = 150 },
    { "page_view", after = "5m", page_type = "product", url = "/product/scoring", dwell_s = 130 },
    { "page_view", after = "1d", page_type = "product", url = "/product/integrations", dwell_s = 200 },
  },
  expect = { { content = "comparison-guide", channel = "email", after = "1h" } },
  expect_no = { { content = "feature-tour" }, { content = "buyers-guide" } },
  expect_mind = { choice_overload = { at_least = 0.6 } },
}

test "a calm look at the product gets the short tour, not the comparison" {
  facts = { company_size = 35, runs_ma = false },
  events = {
    { "page_view", page_type = "product", dwell_s = 40 },
    { "page_view", after = "1d", page_type = "product", dwell_s = 50 },
  },
  expect = { { content = "feature-tour", after = "1h" } },
  expect_no = { { content = "comparison-guide" } },
}

test "a contact who found the comparison page on their own is not sent it" {
  facts = { company_size = 35, runs_ma = false },
  events = {
    { "page_view", page_type = "product", dwell_s = 150 },
    { "page_view", after = "5m", page_type = "product", dwell_s = 130 },
    { "page_view", after = "10m", page_type = "comparison", dwell_s = 120 },
    { "page_view", after = "1d", page_type = "product", dwell_s = 100 },
  },
  expect_no = { { content = "comparison-guide" }, { content = "feature-tour" } },
}
