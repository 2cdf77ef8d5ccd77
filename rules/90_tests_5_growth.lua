-- Tests of the playbook: situation 5, a customer's company changes (funding, growth, a new
-- department). The account manager calls first; the offer follows two days later.

test "a growing customer gets a call from field sales, then the growth offer" {
  facts = { industry = "finance", company_size = 900 },
  start = "2026-01-06T11:00:00Z",
  events = {
    { "purchase", plan = "business", seats = 25 },
    { "product_usage", after = "2d", feature = "journeys" },
    { "company_change", after = "40d", change = "funding", detail = "Series C" },
  },
  expect = {
    { task = "field_sales", after = "4h", rule = "talk_about_growing" },
    { content = "expansion-offer", channel = "email", after = "2d", rule = "offer_growth_pricing" },
  },
  expect_mind = { room_to_grow = { at_least = 0.6 } },
}

test "a new department at a customer counts as growth" {
  facts = { company_size = 350 },
  events = {
    { "purchase", plan = "team" },
    { "company_change", after = "30d", change = "new_department", detail = "a sales team in Osaka" },
  },
  expect = { { task = "field_sales" }, { content = "expansion-offer" } },
}

test "funding at a company that never bought is no upsell" {
  facts = { company_size = 900 },
  events = {
    { "page_view", page_type = "blog" },
    { "company_change", after = "3d", change = "funding" },
  },
  expect_none = true,
}

test "a change that is not growth is no reason to sell more" {
  facts = { company_size = 350 },
  events = {
    { "purchase", plan = "team" },
    { "company_change", after = "30d", change = "layoffs" },
  },
  expect_no = { { content = "expansion-offer" }, { task = "field_sales" } },
}

-- A customer who used the product seventy times since buying has pushed the purchase out of
-- the history (its last 64 touchpoints), and is still a customer: the purchase is a fact.
local busy_customer = { { "purchase", plan = "team" } }
for i = 1, 70 do
  busy_customer[#busy_customer + 1] = { "product_usage", after = "4h", feature = "journeys" }
end
busy_customer[#busy_customer + 1] = { "company_change", after = "1d", change = "growth" }

test "a busy customer is still a customer after the purchase has left the history" {
  facts = { company_size = 350 },
  events = busy_customer,
  expect = { { task = "field_sales", rule = "talk_about_growing" } },
  expect_facts = { customer = true },
}
