-- Tests of the playbook: situation 7, content that fits the stage. Education while they
-- learn about the problem, answers to objections while they decide, the success guide when
-- they start, community and referrals when they are happy.

test "problem-aware: an honest article about the problem" {
  facts = { runs_ma = false },
  events = { { "form_submit", form = "whitepaper", asset = "state-of-b2b-nurturing-2026" } },
  expect = { { content = "guide-the-problem", channel = "email", after = "1h" } },
  expect_no = { { content = "objections-answered" }, { content = "buyers-guide" } },
  expect_stage = "problem_aware",
}

test "evaluating: a concern raised on a sales call gets the straight answers" {
  facts = { company_size = 1200 },
  events = {
    { "form_submit", form = "demo_request" },
    { "sales_call", after = "3d", objection = "security", minutes = 30 },
  },
  expect = { { content = "objections-answered", after = "1h", rule = "answer_the_objections" } },
  expect_no = { { content = "guide-the-problem" } },
  expect_stage = "evaluating",
}

test "evaluating: reading the security and integration pages while deciding is a concern too" {
  facts = { company_size = 1200 },
  events = {
    { "form_submit", form = "demo_request" },
    { "page_view", after = "2d", page_type = "security" },
    { "page_view", after = "1h", page_type = "integrations" },
  },
  expect = { { content = "objections-answered", after = "1h" } },
}

test "evaluating: a call without a concern needs no objection handling" {
  facts = { company_size = 1200 },
  events = {
    { "form_submit", form = "demo_request" },
    { "sales_call", after = "3d", minutes = 30 },
  },
  expect_no = { { content = "objections-answered" } },
}

test "researching: the security page before any conversation is not an objection yet" {
  events = {
    { "page_view", page_type = "product", dwell_s = 30 },
    { "page_view", after = "1h", page_type = "security" },
    { "page_view", after = "1h", page_type = "security" },
  },
  expect_no = { { content = "objections-answered" } },
  expect_stage = "researching",
}

test "onboarding: a new customer gets the success guide, not the referral ask" {
  facts = { company_size = 350 },
  events = { { "purchase", plan = "team", seats = 10 } },
  expect = { { content = "onboarding-success-guide", after = "1h" } },
  expect_no = { { content = "referral-program" }, { content = "community-invite" } },
  expect_stage = "onboarding",
}

test "advocate: a happy customer is invited to the community, then asked for a referral" {
  facts = { company_size = 1200 },
  start = "2026-01-07T15:00:00Z",
  events = {
    { "purchase", plan = "business" },
    { "product_usage", after = "2d" },
    { "product_usage", after = "4d" },
    { "product_usage", after = "3d" },
    { "product_usage", after = "5d" },
    { "product_usage", after = "6d" },
    { "purchase", after = "2d", renewal = true },
  },
  expect = {
    { content = "community-invite", after = "1h" },
    { content = "referral-program", after = "7d" },
  },
  expect_stage = "advocate",
}

test "retained but not yet enthusiastic: no referral ask" {
  facts = { company_size = 1200 },
  events = {
    { "purchase", plan = "business" },
    { "product_usage", after = "2d" },
    { "product_usage", after = "4d" },
    { "product_usage", after = "3d" },
    { "product_usage", after = "5d" },
    { "product_usage", after = "6d" },
  },
  expect_no = { { content = "community-invite" }, { content = "referral-program" } },
  expect_stage = "retained",
}

-- The first purchase makes a customer (the fact 20_mind.lua sets); only a later one is a
-- renewal.
test "a first purchase is no renewal" {
  facts = { company_size = 1200 },
  events = { { "purchase", plan = "business" } },
  expect_mind = { setup_need = { at_least = 0.8 }, satisfaction = { at_most = 0 } },
  expect_facts = { customer = true },
}
