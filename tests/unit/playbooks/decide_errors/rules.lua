content "case_study" { title = "How Acme cut churn", channel = "email" }

infer "broken_infer" {
  when = function(e, c) error("infer went wrong") end,
  raise = { anxiety = 0.5 },
}

infer "working_infer" { raise = { interest = 0.2 } }

act "broken_act" {
  when = function(c, e)
    return c.facts.employees > 10
  end,
  task = { role = "inside_sales", title = "never" },
  priority = 30,
  because = "compares a missing fact",
}

act "bad_choice" {
  send = { content = function(c, e) return "no_such_content" end },
  priority = 20,
  because = "chooses an unknown content",
}

act "no_choice" {
  send = { content = function(c, e) return nil end },
  priority = 15,
  because = "chooses nothing",
}

act "still_runs" {
  send = { content = function(c, e) return e.wanted end },
  priority = 10,
  because = "the rest still run",
}
