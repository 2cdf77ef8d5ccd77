-- Tests of the playbook: situation 4, a defect of ours. A sincere apology and a fast call
-- from customer success; no marketing while the ticket is open.

test "a defect ticket gets a sincere apology and a call from customer success" {
  facts = { industry = "manufacturing", company_size = 350 },
  start = "2026-01-12T09:00:00Z",
  events = {
    { "purchase", plan = "team", seats = 10 },
    { "support_ticket", after = "8d", category = "defect", severity = "high",
      subject = "Scheduled journeys did not send" },
  },
  expect = {
    { content = "apology-defect", channel = "email", after = "15m" },
    { task = "customer_success", after = "1h", rule = "call_after_the_defect" },
  },
  expect_mind = { frustration = { at_least = 0.5 } },
}

test "a question to support is not a defect: no apology" {
  facts = { company_size = 350 },
  events = {
    { "purchase", plan = "team" },
    { "support_ticket", after = "3d", category = "question", subject = "How to export a journey" },
  },
  expect_no = { { content = "apology-defect" }, { task = "customer_success" } },
}

test "no upsell while a defect ticket is open, even when the anger has faded" {
  facts = { company_size = 350 },
  events = {
    { "purchase", plan = "team" },
    { "support_ticket", after = "3d", category = "defect", severity = "low" },
    { "company_change", after = "8d", change = "funding" },
  },
  expect = { { content = "apology-defect" } },
  expect_no = { { content = "expansion-offer" }, { task = "field_sales" } },
  -- the growth is seen and the anger has faded below 0.3: only the open ticket holds it back
  expect_mind = { room_to_grow = { at_least = 0.6 }, frustration = { at_most = 0.3 } },
}

test "once the defect is resolved the upsell conversation goes ahead" {
  facts = { company_size = 350 },
  events = {
    { "purchase", plan = "team" },
    { "support_ticket", after = "3d", category = "defect", severity = "low" },
    { "ticket_resolved", after = "1d" },
    { "company_change", after = "7d", change = "funding" },
  },
  expect = {
    { task = "field_sales", after = "4h" },
    { content = "expansion-offer", after = "2d" },
  },
}

test "a prospect on a trial who hits a defect gets the apology, not the sales story" {
  facts = { industry = "software", company_size = 40 },
  events = {
    { "page_view", page_type = "faq" },
    { "support_ticket", after = "1h", category = "defect", severity = "high" },
    { "page_view", after = "1d", page_type = "faq" },
    { "page_view", after = "1d", page_type = "faq" },
  },
  expect = { { content = "apology-defect" }, { task = "customer_success" } },
  expect_no = { { content = "story-software" }, { rule = "offer_a_short_call" } },
  expect_mind = { anxiety = { at_least = 0.5 } },
}

-- Seventy page views after the defect ticket, it has left the history (the last 64
-- touchpoints), and it is still open: no marketing until a ticket is resolved.
local after_the_defect = { { "support_ticket", category = "defect", severity = "low" } }
for i = 1, 70 do
  after_the_defect[#after_the_defect + 1] = { "page_view", after = "1h", page_type = "faq" }
end

test "a defect ticket stays open after it has left the history" {
  facts = { industry = "software" },
  events = after_the_defect,
  expect = { { content = "apology-defect" } },
  expect_no = { { rule = "reassure_the_worried" } },
  expect_mind = { anxiety = { at_least = 0.5 } },
  expect_facts = { defect_open = true },
}
