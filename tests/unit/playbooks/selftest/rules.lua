-- A small playbook with passing and failing tests, for test_selftest.c.
state "anxiety" { half_life = "7d" }
content "story" { title = "A story", channel = "email" }

infer "faq_means_worry" {
  on = "page_view",
  when = function(e) return e.page_type == "faq" end,
  raise = { anxiety = 0.3 },
  because = "Reads the FAQ",
}

advance "researching" { on = "page_view", from = { "unaware" }, to = "researching" }

act "reassure" {
  when = function(c) return c.mind.anxiety >= 0.5 end,
  send = { content = "story", after = "1h" },
  because = "Worried",
}

act "call" {
  when = function(c) return c.mind.anxiety >= 0.8 end,
  task = { role = "inside_sales", title = "Call them" },
  because = "Very worried",
}
