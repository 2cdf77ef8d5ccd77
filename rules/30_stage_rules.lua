-- Which touchpoints move a contact along the journey.
--
-- A stage rule moves a contact that is in one of the `from` stages to the `to` stage when its
-- touchpoint arrives and its condition holds. Stage rules run after the rules of 20_mind.lua
-- (files run in name order), so they may look at the state of mind too. A contact that is
-- not in a `from` stage is left where it is: a customer who reads the blog stays a customer.

local before_talking = { "unaware", "problem_aware", "interested", "researching" }
local before_buying = { "unaware", "problem_aware", "interested", "researching",
                        "evaluating", "purchasing" }

-- Pages about the offer itself, as opposed to articles about the problem.
local offer_pages = {
  product = true, pricing = true, faq = true, comparison = true,
  case_study = true, checkout = true, docs = true,
}

advance "subscribing_means_problem_aware" {
  on = "form_submit",
  from = { "unaware" },
  to = "problem_aware",
  when = function(e, c) return e.form == "newsletter" or e.form == "whitepaper" end,
  because = "Subscribed or downloaded a whitepaper: they know the problem and want to learn",
}

advance "engages_with_us" {
  from = { "problem_aware" },
  to = "interested",
  when = function(e, c)
    return e.type == "email_click" or e.type == "webinar_attended"
        or (e.type == "page_view" and e.page_type == "blog"
            and c:count("page_view", { page_type = "blog" }, "14d") >= 3)
  end,
  because = "Clicks our mails, joins a webinar or keeps reading: interested in us, not only in the problem",
}

advance "looks_at_the_offer" {
  on = "page_view",
  from = { "unaware", "problem_aware", "interested" },
  to = "researching",
  when = function(e, c) return offer_pages[e.page_type] == true end,
  because = "Looks at our product, prices or FAQ: researching a solution",
}

advance "asked_to_talk" {
  on = "form_submit",
  from = before_talking,
  to = "evaluating",
  when = function(e, c) return e.form == "demo_request" or e.form == "contact" end,
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
  from = { "researching", "evaluating" },
  to = "purchasing",
  when = function(e, c) return e.stage == "proposal" or e.stage == "negotiation" end,
  because = "Sales sent a proposal: the decision is being made",
}

advance "deal_lost" {
  on = "deal_update",
  from = { "evaluating", "purchasing" },
  to = "researching",
  when = function(e, c) return e.stage == "lost" end,
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
  when = function(e, c)
    return c.mind.satisfaction >= 0.7 and c.mind.frustration < 0.3
  end,
  because = "Clearly satisfied and nothing open that annoys them: a potential advocate",
}
