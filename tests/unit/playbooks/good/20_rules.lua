infer "faq_loop_means_worry" {
  on = "page_view",
  when = function(e, c) return e.page_type == "faq" end,
  raise = { anxiety = 0.6 },
  lower = { price_worry = 0.25 },
  because = "Reads the FAQ again and again",
}

act "low" {
  when = function(c, e) return true end,
  task = { role = "inside_sales", title = "Call them", after = "2h" },
  priority = 1,
  because = "low priority",
}

advance "pricing_means_evaluating" {
  on = "page_view",
  from = { "researching", "interested" },
  to = "evaluating",
  because = "Looked at prices",
}

act "reassure" {
  stage = { "researching", "evaluating" },
  on = "page_view",
  send = { content = "case_study", channel = "sms", after = "1h" },
  cooldown = "14d",
  priority = 10,
  because = "Worried, not uninterested",
}

act "tie_first" {
  stage = "evaluating",
  send = { content = "pricing_guide", channel = "email" },
  priority = 5,
  because = "first of a tie",
}

act "tie_second" {
  send = { content = function(c, e) return "case_study" end },
  priority = 5,
  because = "second of a tie",
}
