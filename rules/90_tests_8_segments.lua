-- Tests of the playbook: situation 8, two segments. Companies that already run a
-- marketing-automation tool (facts.runs_ma == true) and companies that do not get different
-- content for the same situation.

test "segment with MA: overloaded by choices, gets the comparison for MA teams and a fit check" {
  facts = { company_size = 1200, runs_ma = true },
  events = {
    { "page_view", page_type = "product", dwell_s = 150 },
    { "page_view", after = "5m", page_type = "product", dwell_s = 130 },
    { "page_view", after = "1d", page_type = "product", dwell_s = 200 },
  },
  expect = {
    { content = "comparison-for-ma-teams", after = "1h" },
    { task = "inside_sales", after = "2h", rule = "offer_a_fit_check" },
  },
  expect_no = { { content = "comparison-guide" }, { content = "feature-tour" } },
}

test "segment without MA: the same overload gets the plain comparison and no fit check" {
  facts = { company_size = 35, runs_ma = false },
  events = {
    { "page_view", page_type = "product", dwell_s = 150 },
    { "page_view", after = "5m", page_type = "product", dwell_s = 130 },
    { "page_view", after = "1d", page_type = "product", dwell_s = 200 },
  },
  expect = { { content = "comparison-guide", after = "1h" } },
  expect_no = { { content = "comparison-for-ma-teams" }, { rule = "offer_a_fit_check" } },
}

test "segment with MA: learning about the problem, gets the signals their tool misses" {
  facts = { runs_ma = true },
  events = { { "form_submit", form = "newsletter" } },
  expect = { { content = "guide-signals-your-ma-misses", after = "1h" } },
  expect_no = { { content = "guide-the-problem" } },
}

test "segment unknown: a contact we know nothing about gets the newcomers' journey" {
  events = { { "form_submit", form = "newsletter" } },
  expect = { { content = "guide-the-problem", after = "1h" } },
  expect_no = { { content = "guide-signals-your-ma-misses" } },
}
