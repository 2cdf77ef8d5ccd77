-- What the touchpoints tell us about the contact's state of mind.
--
-- A state is a number from 0 (no sign of it) to 1 (as sure as we get). Touchpoints raise or
-- lower it; with time it fades on its own, by half every "half_life", because a worry from
-- last quarter says little about today. Every raise or lower is kept as evidence, so an
-- action can show which touchpoints led to it.
--
-- The rules below are the judgement of good salespeople, written down: "they read the FAQ
-- three times and never asked us anything: they are worried, not uninterested".
--
-- In a rule, `e` is the touchpoint (e.page_type, e.dwell_s, e.form, ...) and `c` the contact
-- (c.stage, c.facts.industry, c:count(...), c:did(...)). A rule with `on` only looks at that
-- type of touchpoint (or those types, given a list), and one with `where` only at touchpoints
-- whose fields hold those values: `where = { page_type = "faq" }` reads "only FAQ pages".
-- `mind = { stalling = { above = 0 } }` likewise reads "only while stalling is above 0", and
-- `stage = { "purchasing" }` "only for contacts in the purchasing stage".

---------------------------------------------------------------------------------------------
-- The states of mind this playbook tracks.
---------------------------------------------------------------------------------------------

state "anxiety" {
  half_life = "7d",
  description = "An unresolved worry about buying: risk, fit, effort. Not low interest.",
}
state "price_worry" {
  half_life = "7d",
  description = "Likes what they see but hesitates over the price.",
}
state "choice_overload" {
  half_life = "5d",
  description = "Too many options to compare; cannot see which one fits.",
}
state "curiosity" {
  half_life = "14d",
  description = "Wants to understand the problem better; reads, subscribes, attends.",
}
state "readiness" {
  half_life = "7d",
  description = "Ready to talk to us now.",
}
state "frustration" {
  half_life = "7d",
  description = "Something of ours let them down (a defect).",
}
state "setup_need" {
  half_life = "14d",
  description = "A new customer who has not yet got to first value.",
}
state "satisfaction" {
  half_life = "30d",
  description = "Gets value from the product and from us.",
}
state "room_to_grow" {
  half_life = "30d",
  description = "A customer whose company is changing in a way that needs more of us.",
}
state "product_interest" {
  half_life = "7d",
  description = "Wants to see what the product does, and can take it in.",
}
state "objections" {
  half_life = "14d",
  description = "Someone deciding has raised a concern (security, integration, effort, exit).",
}
state "stalling" {
  half_life = "14d",
  description = "A proposal is open but the buyer has gone silent: a doubt, a blocker, "
             .. "or other priorities.",
}

---------------------------------------------------------------------------------------------
-- The worried reader.
---------------------------------------------------------------------------------------------

infer "faq_visit_means_a_question" {
  on = "page_view",
  where = { page_type = "faq" },
  when = function(e, c) return not c:did("form_submit", "7d") end,
  raise = { anxiety = 0.1 },
  because = "Looked for an answer in the FAQ instead of asking us",
}

infer "faq_loop_means_worry" {
  on = "page_view",
  where = { page_type = "faq" },
  when = function(e, c)
    return c:count("page_view", { page_type = "faq" }, "7d") >= 3
       and not c:did("form_submit", "7d")
  end,
  raise = { anxiety = 0.6 },
  because = "Read the FAQ three times in a week but never asked us anything: "
         .. "an unresolved worry, not low interest",
}

infer "asking_us_eases_worry" {
  on = { "form_submit", "meeting_booked" },
  lower = { anxiety = 0.5 },
  because = "They asked us directly: the worry now has someone to answer it",
}

---------------------------------------------------------------------------------------------
-- Hesitation on the pricing page.
---------------------------------------------------------------------------------------------

infer "pricing_again_and_again" {
  on = "page_view",
  where = { page_type = "pricing" },
  when = function(e, c) return c:count("page_view", { page_type = "pricing" }, "7d") >= 3 end,
  raise = { price_worry = 0.35 },
  because = "Came back to the pricing page three times in a week: the price is on their mind",
}

infer "long_look_at_the_price" {
  on = "page_view",
  where = { page_type = "pricing" },
  when = function(e, c) return (e.dwell_s or 0) >= 180 end,
  raise = { price_worry = 0.3 },
  because = "Spent three minutes or more on the pricing page: doing the sums",
}

infer "back_from_checkout_to_pricing" {
  on = "page_view",
  where = { page_type = "pricing" },
  when = function(e, c)
    return c:did("page_view", { page_type = "checkout" }, "3d") and not c:did("purchase", "3d")
  end,
  raise = { price_worry = 0.4 },
  because = "Got as far as the checkout, then went back to the prices instead of buying",
}

infer "left_checkout_on_a_phone" {
  on = "page_view",
  where = { page_type = "pricing" },
  when = function(e, c)
    return c:did("page_view", { page_type = "checkout", device = "mobile" }, "3d")
       and not c:did("purchase", "3d")
  end,
  raise = { price_worry = 0.2 },
  because = "Left the checkout on a phone: on mobile people stop to think about the price "
         .. "(and a long form on a small screen does not help)",
}

-- Our shop reports a checkout that was started and not finished (most shop and payment
-- systems can send this as "checkout_abandoned", usually an hour after the last click).
infer "abandoned_the_checkout" {
  on = "checkout_abandoned",
  when = function(e, c) return not c:did("purchase", "3d") end,
  raise = { price_worry = 0.4 },
  because = "Started to buy and stopped at the payment step: the price or the way to pay "
         .. "made them hesitate",
}

infer "abandoned_the_checkout_on_a_phone" {
  on = "checkout_abandoned",
  where = { device = "mobile" },
  when = function(e, c) return not c:did("purchase", "3d") end,
  raise = { price_worry = 0.2 },
  because = "Stopped at the payment step on a phone: on mobile people stop to think about "
         .. "the price (and a long form on a small screen does not help)",
}

infer "bought_so_price_settled" {
  on = "purchase",
  lower = { price_worry = 1 },
  because = "They bought: the price question is settled",
}

---------------------------------------------------------------------------------------------
-- Choice overload.
---------------------------------------------------------------------------------------------

infer "long_look_at_a_product" {
  on = "page_view",
  where = { page_type = "product" },
  when = function(e, c) return (e.dwell_s or 0) >= 90 and not c:did("form_submit", "7d") end,
  raise = { choice_overload = 0.25 },
  because = "Studied a product page for a minute and a half without taking a next step; "
         .. "several of these mean they cannot tell the options apart",
}

-- Looking at the product without lingering is plain interest; lingering on page after page
-- is overload (the rule above). The action rules tell the two apart.
infer "looks_at_the_product" {
  on = "page_view",
  where = { page_type = "product" },
  raise = { product_interest = 0.25 },
  because = "Looked at a product page",
}

infer "found_the_comparison" {
  on = "page_view",
  where = { page_type = "comparison" },
  lower = { choice_overload = 0.5 },
  because = "Found the comparison page on their own",
}

infer "took_a_next_step" {
  on = "form_submit",
  lower = { choice_overload = 0.5 },
  because = "Took a next step: they know enough to ask",
}

---------------------------------------------------------------------------------------------
-- Learning about the problem, and readiness to talk.
---------------------------------------------------------------------------------------------

infer "signed_up_to_learn" {
  on = "form_submit",
  where = { form = { "newsletter", "whitepaper" } },
  raise = { curiosity = 0.5 },
  because = "Gave us an e-mail address in exchange for reading: wants to learn about the problem",
}

infer "reads_the_blog" {
  on = "page_view",
  where = { page_type = "blog" },
  raise = { curiosity = 0.15 },
  because = "Read a blog article",
}

infer "clicks_our_mail" {
  on = "email_click",
  raise = { curiosity = 0.2 },
  because = "Clicked a link in one of our e-mails",
}

infer "joined_a_webinar" {
  on = "webinar_attended",
  raise = { curiosity = 0.3 },
  because = "Gave us an hour of their time in a webinar",
}

infer "asked_for_a_demo" {
  on = "form_submit",
  where = { form = { "demo_request", "contact" } },
  raise = { readiness = 0.7 },
  because = "Asked to see the product or to talk to us: ready for a conversation now",
}

---------------------------------------------------------------------------------------------
-- Objections while deciding: the fine print, and what sales hears on the phone.
---------------------------------------------------------------------------------------------

infer "checks_the_fine_print" {
  on = "page_view",
  -- The pages someone in a buying committee reads when they have a concern to settle.
  where = { page_type = { "security", "legal", "integrations" } },
  stage = { "evaluating", "purchasing" },
  raise = { objections = 0.3 },
  because = "Reads the security, legal or integration pages while deciding: someone in the "
         .. "buying committee has raised a concern",
}

-- Sales logs a call as "sales_call"; when the buyer raised a concern, the call carries it in
-- `objection` ("security", "integration", "effort", "price", ...).
infer "objection_heard_on_a_call" {
  on = "sales_call",
  when = function(e, c) return e.objection ~= nil end,
  raise = { objections = 0.6 },
  because = "Raised a concern on a call with sales: it has to be answered before they can say yes",
}

---------------------------------------------------------------------------------------------
-- A proposal gone quiet.
--
-- The engine wakes up only when a touchpoint arrives: it has no timer that fires when nothing
-- happens. So "quiet for two weeks" is noticed on the NEXT touchpoint of the contact that is
-- not itself a sign of life (an e-mail open, a support ticket), or on the `heartbeat` that the
-- CRM sends once a week for every open deal (weekly, not daily: the contact's history keeps
-- only its last 64 touchpoints, and they should be real ones). On that
-- touchpoint we look back: a proposal is open (stage "purchasing"), the last deal update is 14
-- days old or more, and the buyer did nothing that shows they are still with us in those 14
-- days. Then we believe the deal is stalling, and 40_actions.lua gives inside sales a check-in.
---------------------------------------------------------------------------------------------

local DAY = 24 * 60 * 60 * 1000 -- c:since(...) counts in milliseconds

-- Touchpoints that show the buyer is still engaged with us. A heartbeat is not one.
local engaged = { "page_view", "email_click", "form_submit", "meeting_booked", "sales_call",
                  "webinar_attended" }

local function quiet_for(c, window)
  for _, kind in ipairs(engaged) do
    if c:did(kind, window) then return false end
  end
  return true
end

infer "proposal_gone_quiet" {
  stage = { "purchasing" },
  when = function(e, c)
    local since_update = c:since("deal_update")
    return since_update ~= nil and since_update >= 14 * DAY and quiet_for(c, "14d")
  end,
  raise = { stalling = 0.6 },
  because = "A proposal has been open for two weeks without a word from the buyer: "
         .. "something is holding the decision",
}

infer "deal_moves_again" {
  on = { "deal_update", "meeting_booked", "sales_call" },
  -- Only when there is something to lower: otherwise every deal update would show up in
  -- `nurture explain` as "stalling 0.00 -> 0.00".
  mind = { stalling = { above = 0 } },
  lower = { stalling = 1 },
  because = "The deal is moving again",
}

---------------------------------------------------------------------------------------------
-- Support: a defect hurts, a fix helps.
---------------------------------------------------------------------------------------------

-- A defect ticket stays open (the fact 40_actions.lua reads before it markets) until a ticket
-- is resolved; a fact, because the history would forget the ticket after 64 touchpoints.
infer "hit_a_defect" {
  on = "support_ticket",
  where = { category = "defect" },
  raise = { frustration = 0.5 },
  set = { defect_open = true },
  because = "Reported a defect: our product got in their way",
}

infer "hit_a_severe_defect" {
  on = "support_ticket",
  where = { category = "defect", severity = { "high", "critical" } },
  raise = { frustration = 0.3 },
  because = "The defect is severe: it stops their work",
}

infer "problem_solved" {
  on = "ticket_resolved",
  lower = { frustration = 0.4 },
  raise = { satisfaction = 0.2 },
  set = { defect_open = false },
  because = "Support solved their problem",
}

---------------------------------------------------------------------------------------------
-- Customers: the first weeks, then habit and happiness.
---------------------------------------------------------------------------------------------

-- Having bought is kept as a fact, `customer`: the history keeps the last 64 touchpoints, and
-- a customer who uses the product every day would soon push the purchase out of it. A
-- renewal is a purchase by a customer, so it is checked before the first purchase sets it.
-- (Customers stored before this rule existed get the fact from the CRM: `customer = true` in
-- an identify touchpoint.)
infer "renewed" {
  on = "purchase",
  facts = { customer = true },
  raise = { satisfaction = 0.4 },
  because = "Bought again: the clearest sign that we deliver value",
}

infer "just_bought" {
  on = "purchase",
  when = function(e, c) return c.facts.customer ~= true end,
  raise = { setup_need = 0.8 },
  set = { customer = true },
  because = "A first purchase: the first weeks decide whether they get value",
}

infer "uses_the_product" {
  on = "product_usage",
  raise = { satisfaction = 0.1 },
  lower = { setup_need = 0.15 },
  because = "Used the product: each session is a step towards a habit",
}

---------------------------------------------------------------------------------------------
-- A customer's company changes.
---------------------------------------------------------------------------------------------

infer "customer_company_grows" {
  on = "company_change",
  where = { change = { "funding", "growth", "new_department" } },
  facts = { customer = true },
  raise = { room_to_grow = 0.7 },
  because = "A customer's company raised money, grew or opened a department: "
         .. "more people will need what they already use",
}

---------------------------------------------------------------------------------------------
-- The buying committee: several people of one account evaluating at the same time.
---------------------------------------------------------------------------------------------

-- In B2B one person rarely buys alone. When three people of the same company look at our
-- prices within a week, a decision is being prepared, by a group, whoever clicked last.
state "committee_forming" {
  half_life = "7d",
  description = "Several stakeholders of the account are evaluating at once",
}

infer "several_people_look_at_prices" {
  for_account = true, -- a state of the account as a whole, not of the person who clicked
  on = "page_view",
  where = { page_type = "pricing" },
  when = function(e, c) return c:committee("page_view", { page_type = "pricing" }, "7d") >= 3 end,
  raise = { committee_forming = 0.8 },
  because = "Three or more people of this account looked at pricing within a week: a buying group is forming",
}
