-- Which touchpoints move a contact along the journey.
--
-- A stage rule moves a contact that is in one of the `from` stages to the `to` stage when its
-- touchpoint arrives and its condition holds. Stage rules run after the rules of 20_mind.lua
-- (files run in name order), so they may look at the state of mind too. A contact that is
-- not in a `from` stage is left where it is: a customer who reads the blog stays a customer.

local before_talking = { "unaware", "problem_aware", "interested", "researching" }
local before_buying = { "unaware", "problem_aware", "interested", "researching",
                        "evaluating", "purchasing" }

advance "subscribing_means_problem_aware" {
  on = "form_submit",
  where = { form = { "newsletter", "whitepaper" } },
  from = { "unaware" },
  to = "problem_aware",
  because = "Subscribed or downloaded a whitepaper: they know the problem and want to learn",
}

advance "engages_with_us" {
  on = { "email_click", "webinar_attended", "page_view" },
  from = { "problem_aware" },
  to = "interested",
  when = function(e, c)
    return e.type ~= "page_view"
        or (e.page_type == "blog" and c:count("page_view", { page_type = "blog" }, "14d") >= 3)
  end,
  because = "Clicks our mails, joins a webinar or keeps reading: interested in us, not only in the problem",
}

advance "looks_at_the_offer" {
  on = "page_view",
  -- Pages about the offer itself, as opposed to articles about the problem.
  where = { page_type = { "product", "pricing", "faq", "comparison", "case_study", "checkout",
                          "docs" } },
  from = { "unaware", "problem_aware", "interested" },
  to = "researching",
  because = "Looks at our product, prices or FAQ: researching a solution",
}

advance "asked_to_talk" {
  on = "form_submit",
  where = { form = { "demo_request", "contact" } },
  from = before_talking,
  to = "evaluating",
  because = "Asked for a demo or a conversation: evaluating us",
}

advance "booked_a_meeting" {
  on = "meeting_booked",
  from = before_talking,
  to = "evaluating",
  because = "Booked a meeting with sales: evaluating us",
}

advance "proposal_on_the_table" {
  on = "deal_update",
  where = { stage = { "proposal", "negotiation" } }, -- the deal's stage, told by the CRM
  from = { "researching", "evaluating" },
  to = "purchasing",
  because = "Sales sent a proposal: the decision is being made",
}

advance "deal_lost" {
  on = "deal_update",
  where = { stage = "lost" },
  from = { "evaluating", "purchasing" },
  to = "researching",
  because = "The deal was lost for now: back to researching, not gone",
}

advance "bought" {
  on = "purchase",
  from = before_buying,
  to = "onboarding",
  because = "Bought: the first weeks of use begin",
}

advance "became_a_habit" {
  on = "product_usage",
  from = { "onboarding" },
  to = "retained",
  when = function(e, c) return c:count("product_usage", "30d") >= 5 end,
  because = "Used the product five times in a month: it is part of their work now",
}

advance "happy_enough_to_tell_others" {
  from = { "retained" },
  to = "advocate",
  mind = { satisfaction = { at_least = 0.7 }, frustration = { below = 0.3 } },
  because = "Clearly satisfied and nothing open that annoys them: a potential advocate",
}
