-- Tests of the playbook: situation 3, hesitation over the price at the pricing page or the
-- checkout, above all on a phone.

test "a checkout left on a phone gets the plain pricing explainer" {
  facts = { company_size = 20 },
  start = "2026-03-04T10:00:00Z",
  events = {
    { "page_view", page_type = "pricing", dwell_s = 60, device = "mobile" },
    { "page_view", after = "5m", page_type = "checkout", dwell_s = 50, device = "mobile" },
    { "checkout_abandoned", after = "1h", device = "mobile", plan = "starter" },
  },
  expect = { { content = "pricing-explainer", channel = "email", after = "30m", rule = "explain_the_pricing" } },
  expect_no = { { content = "roi-calculator" } },
  expect_mind = { price_worry = { at_least = 0.5 } },
}

test "back from the checkout to the prices on a phone is price worry too" {
  facts = { company_size = 35 },
  events = {
    { "page_view", page_type = "pricing", dwell_s = 240, device = "mobile" },
    { "page_view", after = "6m", page_type = "checkout", dwell_s = 70, device = "mobile" },
    { "page_view", after = "12h", page_type = "pricing", dwell_s = 90, device = "mobile" },
  },
  expect = { { content = "pricing-explainer", after = "30m" } },
}

test "a larger company doing the sums gets the ROI calculator, not the explainer" {
  facts = { company_size = 900 },
  events = {
    { "page_view", page_type = "pricing", dwell_s = 260 },
    { "page_view", after = "20h", page_type = "pricing", dwell_s = 310 },
  },
  expect = { { content = "roi-calculator", after = "30m", rule = "show_the_payback" } },
  expect_no = { { content = "pricing-explainer" } },
}

test "one short look at the prices is not hesitation" {
  facts = { company_size = 20 },
  events = { { "page_view", page_type = "pricing", dwell_s = 45 } },
  expect_none = true,
}

test "a buyer who went through with the purchase gets no price mail" {
  facts = { company_size = 20 },
  events = {
    { "page_view", page_type = "pricing", dwell_s = 200, device = "mobile" },
    { "page_view", after = "5m", page_type = "checkout", device = "mobile" },
    { "purchase", after = "10m", plan = "starter" },
  },
  expect = { { content = "onboarding-success-guide" } },
  expect_no = { { content = "pricing-explainer" }, { content = "roi-calculator" } },
  expect_stage = "onboarding",
}
