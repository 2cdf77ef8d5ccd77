-- Tests of the playbook: situation 1, the worried reader.
--
-- A test feeds a fresh contact a few touchpoints, in order, and checks what the playbook did.
-- Run them all with `nurture test rules`. The files of tests start with 90_ so that they load
-- after the rules they check.

test "the worried reader gets a story from their industry and the offer of a call" {
  facts = { industry = "manufacturing", company_size = 350 },
  start = "2026-03-02T09:00:00Z",
  events = {
    { "page_view", page_type = "faq", url = "/faq" },
    { "page_view", after = "1d", page_type = "faq", url = "/faq#security" },
    { "page_view", after = "1d", page_type = "faq", url = "/faq#contract-terms" },
  },
  expect = {
    { content = "story-manufacturing", channel = "email", after = "1h", rule = "reassure_the_worried" },
    { task = "inside_sales", after = "2h", rule = "offer_a_short_call" },
  },
  expect_stage = "researching",
  expect_mind = { anxiety = { at_least = 0.5 } },
}

test "a worried reader from an industry without its own story gets the general one" {
  facts = { industry = "logistics" },
  events = {
    { "page_view", page_type = "faq" },
    { "page_view", after = "2d", page_type = "faq" },
    { "page_view", after = "2d", page_type = "faq" },
  },
  expect = { { content = "story-general", after = "1h" } },
  expect_no = { { content = "story-manufacturing" } },
}

test "two visits to the FAQ are a question, not yet a worry" {
  facts = { industry = "manufacturing" },
  events = {
    { "page_view", page_type = "faq" },
    { "page_view", after = "1d", page_type = "faq" },
  },
  expect_none = true,
  expect_mind = { anxiety = { at_most = 0.3 } },
}

test "a reader who asked us directly is not treated as worried" {
  facts = { industry = "manufacturing" },
  events = {
    { "page_view", page_type = "faq" },
    { "form_submit", after = "2h", form = "contact" },
    { "page_view", after = "1d", page_type = "faq" },
    { "page_view", after = "1d", page_type = "faq" },
  },
  expect = { { task = "inside_sales", rule = "call_back_about_the_demo" } },
  expect_no = {
    { content = "story-manufacturing" },
    { rule = "offer_a_short_call" },
  },
}
