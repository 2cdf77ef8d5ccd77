-- Situation 10: several stakeholders of one account active at once -> an account-level task.

test "three people of one account on the pricing page get one task for the account" {
  contact = "maria@fjordtech.example",
  start = "2026-03-02T09:00:00Z",
  events = {
    { "page_view", contact = "ole@fjordtech.example", page_type = "pricing" },
    { "page_view", contact = "kari@fjordtech.example", after = "1d", page_type = "pricing" },
    { "page_view", after = "1d", page_type = "pricing" },
    { "page_view", contact = "ole@fjordtech.example", after = "1h", page_type = "pricing" },
  },
  expect = { { task = "field_sales", rule = "engage_the_buying_committee",
               due = "2026-03-04T11:00:00Z" } },
}

test "one person looking three times is not a committee" {
  start = "2026-03-02T09:00:00Z",
  contact = "solo@fjordtech.example",
  events = {
    { "page_view", page_type = "pricing" },
    { "page_view", after = "1d", page_type = "pricing" },
    { "page_view", after = "1d", page_type = "pricing" },
  },
  expect_no = { { rule = "engage_the_buying_committee" } },
}

test "people on personal mail addresses are no account" {
  start = "2026-03-02T09:00:00Z",
  contact = "c@gmail.com",
  events = {
    { "page_view", contact = "a@gmail.com", page_type = "pricing" },
    { "page_view", contact = "b@gmail.com", after = "1h", page_type = "pricing" },
    { "page_view", after = "1h", page_type = "pricing" },
  },
  expect_no = { { rule = "engage_the_buying_committee" } },
}

test "people the CRM put in one account are one committee, whatever their mail domains" {
  contact = "maria@fjord-holding.example",
  start = "2026-03-02T09:00:00Z",
  events = {
    { "identify", contact = "ole@fjordtech.example", account = "fjord" },
    { "identify", contact = "kari@fjord-labs.example", account = "fjord" },
    { "identify", account = "fjord" },
    -- the site knows only their addresses: the page views go to the account they have
    { "page_view", contact = "ole@fjordtech.example", after = "1h", page_type = "pricing" },
    { "page_view", contact = "kari@fjord-labs.example", after = "1d", page_type = "pricing" },
    { "page_view", after = "1d", page_type = "pricing" },
  },
  expect = { { task = "field_sales", rule = "engage_the_buying_committee" } },
}
