-- The full core on a small journey: touchpoints -> mind -> stage -> actions.
state "anxiety" { half_life = "7d" }

content "case_study" { title = "How Acme cut churn", url = "https://example.com/case", channel = "email" }
content "pricing_guide" { title = "Pricing guide", channel = "email" }
content "roi_calculator" { title = "ROI calculator", url = "https://example.com/roi" }

infer "faq_loop_means_worry" {
  on = "page_view",
  when = function(e, c)
    return e.page_type == "faq" and c:count("page_view", { page_type = "faq" }, "7d") >= 3
  end,
  raise = { anxiety = 0.6 },
  because = "Reads the FAQ again and again but never asks",
}

advance "pricing_means_evaluating" {
  on = "page_view",
  from = { "unaware", "problem_aware", "interested", "researching" },
  to = "evaluating",
  when = function(e, c) return e.page_type == "pricing" end,
}

act "reassure_the_worried" {
  on = "page_view",
  when = function(c, e) return c.mind.anxiety >= 0.5 end,
  send = { content = "case_study", after = "1h" },
  cooldown = "14d",
  priority = 10,
  because = "Worried, not uninterested: a customer story eases the worry",
}

act "offer_call" {
  on = "webinar_attended",
  when = function(c, e) return c.mind.anxiety >= 0.5 end,
  task = { role = "inside_sales", title = "Offer a short call", after = "30m" },
  because = "Still worried after the webinar",
}

act "roi_for_evaluators" {
  stage = "evaluating",
  on = "page_view",
  when = function(c, e) return e.page_type == "pricing" end,
  send = { content = "roi_calculator", channel = "email", after = "2h" },
  priority = 20,
  because = "Evaluating: numbers for the business case",
}

act "pricing_guide_once_a_fortnight" {
  on = "page_view",
  when = function(c, e) return e.page_type == "pricing" end,
  send = { content = "pricing_guide" },
  cooldown = "14d",
  priority = 5,
  because = "Looked at prices",
}

act "industry_followup" {
  on = "identify",
  when = function(c, e) return c.facts.industry == "manufacturing" and c.facts.employees >= 100 end,
  task = { role = "field_sales", title = "Visit the plant" },
  because = "A large manufacturer",
}
