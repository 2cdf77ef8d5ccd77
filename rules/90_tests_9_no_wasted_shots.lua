-- Tests of the playbook: situation 9, no wasted shots. The same content is not sent again
-- within its cooldown, however often the situation comes back; after the cooldown it may be.
-- And a contact who unsubscribed gets no marketing mail at all.
--
-- A test collects the actions of ALL its touchpoints. To check what the LAST touchpoint did,
-- an expectation gives `after`: the action must be due that long after the last touchpoint.

test "cooldown holds: the story is not sent twice within 14 days" {
  facts = { industry = "healthcare" },
  events = {
    { "page_view", page_type = "faq" },
    { "page_view", after = "1d", page_type = "faq" },
    { "page_view", after = "1d", page_type = "faq" }, -- the story goes out after this one
    { "page_view", after = "4d", page_type = "faq" }, -- still worried, but within the cooldown
  },
  expect = { { content = "story-healthcare" } },
  expect_no = {
    { content = "story-healthcare", after = "1h" },
    { rule = "offer_a_short_call", after = "2h" },
  },
  expect_mind = { anxiety = { at_least = 0.5 } },
}

test "after the cooldown the story may go again when the worry comes back" {
  facts = { industry = "healthcare" },
  events = {
    { "page_view", page_type = "faq" },
    { "page_view", after = "1d", page_type = "faq" },
    { "page_view", after = "1d", page_type = "faq" }, -- the first story
    { "page_view", after = "15d", page_type = "faq" },
    { "page_view", after = "1d", page_type = "faq" },
    { "page_view", after = "1d", page_type = "faq" }, -- worried again, 17 days later
  },
  expect = {
    { content = "story-healthcare", after = "1h" },
    { rule = "offer_a_short_call", after = "2h" },
  },
}

test "cooldown holds for the pricing explainer too" {
  facts = { company_size = 20 },
  events = {
    { "page_view", page_type = "pricing", dwell_s = 200 },
    { "page_view", after = "1d", page_type = "pricing", dwell_s = 220 }, -- explainer
    { "page_view", after = "3d", page_type = "pricing", dwell_s = 240 }, -- within 14 days
  },
  expect = { { content = "pricing-explainer" } },
  expect_no = { { content = "pricing-explainer", after = "30m" } },
  expect_mind = { price_worry = { at_least = 0.5 } },
}

test "an unsubscribed contact gets no marketing mail, however worried" {
  facts = { industry = "software" },
  events = {
    { "unsubscribe", list = "all_marketing" },
    { "page_view", after = "1d", page_type = "faq" },
    { "page_view", after = "1d", page_type = "faq" },
    { "page_view", after = "1d", page_type = "faq" },
  },
  expect_none = true,
  expect_mind = { anxiety = { at_least = 0.5 } },
}

-- Seventy page views later the unsubscribe has left the history (its last 64 touchpoints),
-- and the contact is still not sent marketing mail: the unsubscribe is kept as a fact.
local many_reads = { { "unsubscribe", list = "all_marketing" } }
for i = 1, 70 do
  many_reads[#many_reads + 1] = { "page_view", after = "1h", page_type = "faq" }
end

test "an unsubscribe is remembered after it has left the history" {
  facts = { industry = "software" },
  events = many_reads,
  expect_none = true,
  expect_mind = { anxiety = { at_least = 0.5 } },
  expect_facts = { unsubscribed = true },
}

test "a contact the CRM marks subscribed again gets marketing mail again" {
  facts = { industry = "software" },
  events = {
    { "unsubscribe", list = "all_marketing" },
    { "identify", after = "1d", unsubscribed = false },
    { "page_view", after = "1d", page_type = "faq" },
    { "page_view", after = "1d", page_type = "faq" },
    { "page_view", after = "1d", page_type = "faq" },
  },
  expect = { { content = "story-software", rule = "reassure_the_worried" } },
}
