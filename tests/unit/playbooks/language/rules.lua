-- Facts set by rules, the content chooser and declared states, for test_selftest.c.
state "anxiety" { half_life = "7d" }
state "price_worry" { half_life = "7d" }

content "story-general" { title = "A story", channel = "email", addresses = { "anxiety" } }
content "story-retail" { title = "A retail story", channel = "email", addresses = { "anxiety" },
                         industries = { "retail" } }
content "roi" { title = "ROI", channel = "email", addresses = { "price_worry" }, topics = { "roi" } }
content "pricing" { title = "Pricing", channel = "email", addresses = { "price_worry" } }

infer "worry" { on = "page_view", when = function(e) return e.page_type == "faq" end,
                raise = { anxiety = 0.6 } }
infer "price" { on = "page_view", when = function(e) return e.page_type == "pricing" end,
                raise = { price_worry = 0.6 } }
infer "demo_makes_sql" { on = "form_submit", set = { funnel = "sql", wants_demo = true } }

act "reassure" {
  when = function(c) return c.mind.anxiety >= 0.5 end,
  send = { content = function(c) return best { addresses = "anxiety", industry = c.facts.industry } end },
  cooldown = "0",
  because = "worried",
}

act "price_help" {
  when = function(c) return c.mind.price_worry >= 0.5 end,
  send = { content = function(c) return best { addresses = "price_worry", topic = c.facts.cares_about } end },
  cooldown = "0",
  because = "price",
}

test "best picks the story of the contact's industry" {
  facts = { industry = "retail" },
  events = { { "page_view", page_type = "faq" } },
  expect = { { content = "story-retail" } },
}

test "best falls back to the general story" {
  facts = { industry = "banking" },
  events = { { "page_view", page_type = "faq" } },
  expect = { { content = "story-general" } },
  expect_no = { { content = "story-retail" } },
}

test "best skips what the contact just received" {
  facts = { industry = "retail" },
  events = { { "page_view", page_type = "faq" }, { "page_view", after = "1d", page_type = "faq" } },
  expect = { { content = "story-retail" }, { content = "story-general" } },
}

test "a topic the contact cares about counts" {
  facts = { cares_about = "roi" },
  events = { { "page_view", page_type = "pricing" } },
  expect = { { content = "roi" } },
  expect_no = { { content = "pricing" } },
}

test "a rule sets funnel facts" {
  events = { { "form_submit", form = "demo" } },
  expect_facts = { funnel = "sql", wants_demo = true },
  expect_none = true,
}

content "comparison" { title = "Comparison", channel = "email" }
content "call-prep" { title = "Call prep", channel = "email" }
state "choice_overload" { half_life = "7d" }
state "readiness" { half_life = "7d" }

infer "long_product_reading" {
  on = "page_view",
  when = function(e, c) return c:dwell("page_view", { page_type = "product" }, "7d") >= 600 end,
  raise = { choice_overload = 0.6 },
}
infer "pricing_then_booking" {
  on = "meeting_booked",
  when = function(e, c) return c:after("page_view", "meeting_booked") end,
  raise = { readiness = 0.6 },
}

act "compare" { when = function(c) return c.mind.choice_overload >= 0.5 end,
                send = { content = "comparison" }, because = "overloaded" }
act "prepare" { when = function(c) return c.mind.readiness >= 0.5 end,
                send = { content = "call-prep" }, because = "ready" }

test "ten minutes on product pages in a week is overload" {
  events = { { "page_view", page_type = "product", dwell_s = 300 },
             { "page_view", after = "1d", page_type = "product", dwell_s = 200 },
             { "page_view", after = "1d", page_type = "product", dwell_s = 150 } },
  expect = { { content = "comparison" } },
}

test "short reads are not overload" {
  events = { { "page_view", page_type = "product", dwell_s = 100 },
             { "page_view", after = "1d", page_type = "product", dwell_s = 100 } },
  expect_no = { { content = "comparison" } },
}

test "a meeting booked after reading pages means readiness" {
  events = { { "page_view", page_type = "pricing" }, { "meeting_booked", after = "1h" } },
  expect = { { content = "call-prep" } },
}

test "a meeting booked without reading means nothing here" {
  events = { { "meeting_booked" } },
  expect_no = { { content = "call-prep" } },
}
