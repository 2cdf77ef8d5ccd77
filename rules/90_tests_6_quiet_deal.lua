-- Tests of the playbook: situation 6, an open proposal gone quiet. The engine only wakes up
-- on a touchpoint, so the CRM sends a weekly `heartbeat` for each open deal; the check-in
-- comes on the first heartbeat at least 14 days after the last deal update, when the buyer
-- did nothing in those 14 days (see 20_mind.lua).

test "a proposal quiet for two weeks gets a check-in task for inside sales" {
  facts = { company_size = 1200 },
  start = "2026-02-24T16:00:00Z",
  events = {
    { "form_submit", form = "demo_request" },
    { "deal_update", after = "14d", stage = "proposal", owner = "m.rossi" },
    { "heartbeat", after = "7d" },
    { "heartbeat", after = "7d" },
  },
  expect = { { task = "inside_sales", after = "1h", rule = "check_in_on_the_quiet_deal" } },
  expect_stage = "purchasing",
  expect_mind = { stalling = { at_least = 0.5 } },
}

test "one quiet week is not yet a stalled deal" {
  facts = { company_size = 1200 },
  events = {
    { "form_submit", form = "demo_request" },
    { "deal_update", after = "3d", stage = "proposal" },
    { "heartbeat", after = "7d" },
    { "heartbeat", after = "6d" },
  },
  expect_no = { { rule = "check_in_on_the_quiet_deal" } },
}

test "a buyer who still reads our pages is not quiet" {
  facts = { company_size = 1200 },
  events = {
    { "form_submit", form = "demo_request" },
    { "deal_update", after = "3d", stage = "proposal" },
    { "page_view", after = "10d", page_type = "security" },
    { "heartbeat", after = "5d" },
  },
  expect_no = { { rule = "check_in_on_the_quiet_deal" } },
  expect_stage = "purchasing",
}

test "a lost deal gets no check-in" {
  facts = { company_size = 1200 },
  events = {
    { "form_submit", form = "demo_request" },
    { "deal_update", after = "3d", stage = "proposal" },
    { "deal_update", after = "2d", stage = "lost" },
    { "heartbeat", after = "16d" },
  },
  expect_no = { { rule = "check_in_on_the_quiet_deal" } },
  expect_stage = "researching",
}
