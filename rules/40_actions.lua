-- What we do: the next best content, or a task for a person, and when.
--
-- Every action rule reads the contact's state of mind, never the raw clicks: the clicks are
-- read in 20_mind.lua, which says what they mean. `mind = { anxiety = { at_least = 0.5 } }`
-- says which states must be how high (at_least, above) or low (below, at_most) for the rule
-- to apply; a `when` condition can read them too, as c.mind.anxiety. The action then carries
-- the whole chain in its reason: the states and facts it read, the touchpoints and rules
-- that raised those states, and the `because` below.
--
-- How the engine runs these rules, on every touchpoint:
--   * only rules whose `stage` list contains the contact's stage (no list: any stage), whose
--     `on` matches the touchpoint (no `on`: any touchpoint), and whose `mind` bounds and
--     `facts` hold; then their `when`, if they have one;
--   * highest `priority` first, and at most three actions per touchpoint;
--   * `after` delays the action from the time of the touchpoint ("1h" = one hour later);
--   * the same content (or the same task) is not repeated within its `cooldown`
--     (seven days unless said otherwise), so a state that stays high does not mean spam.
--
-- Priorities used here: 100 a customer we hurt, 90 someone who asked to talk or a proposal
-- gone quiet, 80 a worried buyer, 75 objections, 70 price, 60 choices and onboarding,
-- 55 the product tour, 50 growth, 40 advocates, 30 education.

-- An e-mail goes only to contacts who have not unsubscribed (the fact 50_policies.lua sets on
-- an unsubscribe). These rules were written before the engine had policies and still say it
-- themselves; the suppression in 50_policies.lua says it for every rule.
-- Calls the contact asked for, or that repair harm we did (a demo callback, a call after a
-- defect), are service, not marketing, and go ahead; an unasked-for call offer does not.
local function still_subscribed(c)
  return c.facts.unsubscribed ~= true
end

-- A defect ticket is open from the defect ticket until a ticket is resolved (the fact
-- `defect_open`, set in 20_mind.lua). While one is open, we send no marketing at all: an
-- upsell or a newsletter in the middle of a problem we caused reads as if nobody listens. The
-- apology and the calls go ahead. The engine will pause marketing by itself one day; until
-- then this says it.
local function defect_open(c)
  return c.facts.defect_open == true
end

-- Marketing mail: to subscribed contacts, and not while a defect of ours is open.
local function may_market(c)
  return still_subscribed(c) and not defect_open(c)
end

-- The segment: does the company already run a marketing-automation tool? Only a clear "yes"
-- counts (`facts = { runs_ma = true }` in the rules for those teams); a contact we know
-- nothing about gets the journey for newcomers.
local function runs_ma(c)
  return c.facts.runs_ma == true
end

---------------------------------------------------------------------------------------------
-- A customer hit a defect: say sorry, and have a person call.
---------------------------------------------------------------------------------------------

act "apologise_for_the_defect" {
  -- Any stage: a prospect on a trial deserves the apology as much as a customer.
  mind = { frustration = { at_least = 0.5 } },
  when = still_subscribed,
  send = { content = "apology-defect", channel = "email", after = "15m" },
  cooldown = "14d",
  priority = 100,
  because = "Our product let them down: a sincere apology comes before anything else we send",
}

act "call_after_the_defect" {
  mind = { frustration = { at_least = 0.5 } },
  task = {
    role = "customer_success",
    title = "Call today: a defect hit them. Own it, explain the fix and when it lands",
    after = "1h",
  },
  cooldown = "7d",
  priority = 100,
  because = "A frustrated customer needs to hear a person, fast, not only read a mail",
}

---------------------------------------------------------------------------------------------
-- Someone asked to talk: call back fast, and tell them what to expect.
---------------------------------------------------------------------------------------------

act "call_back_about_the_demo" {
  stage = { "evaluating" },
  on = "form_submit",
  mind = { readiness = { at_least = 0.6 } },
  task = {
    role = "inside_sales",
    title = "Call back within the hour and book the demo",
    after = "15m",
  },
  priority = 90,
  because = "They asked to talk: the first vendor to call back usually wins the conversation",
}

act "prepare_them_for_the_demo" {
  stage = { "evaluating" },
  on = "form_submit",
  -- They asked for this demo: the note about it is service, so an open defect does not stop it.
  mind = { readiness = { at_least = 0.6 } },
  when = still_subscribed,
  send = { content = "demo-what-to-expect", channel = "email", after = "1h" },
  priority = 85,
  because = "Ready to talk: a short note on what the demo covers makes the call more useful",
}

---------------------------------------------------------------------------------------------
-- The worried reader: a peer's story from their industry, and the offer of a short call.
---------------------------------------------------------------------------------------------

-- The customer story for each industry; anyone else gets the general one.
local story_for_industry = {
  manufacturing = "story-manufacturing",
  healthcare = "story-healthcare",
  software = "story-software",
  finance = "story-finance",
}

act "reassure_the_worried" {
  stage = { "interested", "researching", "evaluating" },
  mind = { anxiety = { at_least = 0.5 } },
  when = may_market,
  send = {
    content = function(c)
      return story_for_industry[c.facts.industry] or "story-general"
    end,
    channel = "email",
    after = "1h",
  },
  cooldown = "14d",
  priority = 80,
  because = "Worried, not uninterested: a customer from their own industry who had the "
         .. "same doubts answers them better than any feature list",
}

act "offer_a_short_call" {
  stage = { "interested", "researching", "evaluating" },
  mind = { anxiety = { at_least = 0.5 } },
  when = may_market,
  task = {
    role = "inside_sales",
    title = "Offer a 15-minute call to answer their open questions (no pitch)",
    after = "2h",
  },
  cooldown = "14d",
  priority = 80,
  because = "Some worries are easier to say than to type: give them a person to ask",
}

---------------------------------------------------------------------------------------------
-- Hesitation over the price: explain it to small teams, show the payback to larger ones.
---------------------------------------------------------------------------------------------

act "explain_the_pricing" {
  stage = { "researching", "evaluating", "purchasing" },
  mind = { price_worry = { at_least = 0.5 } },
  when = function(c)
    return (c.facts.company_size or 0) < 200 and may_market(c)
  end,
  send = { content = "pricing-explainer", channel = "email", after = "30m" },
  cooldown = "14d",
  priority = 70,
  because = "Hesitates over the price: a small team decides quickly once it sees plainly "
         .. "what it pays for",
}

act "show_the_payback" {
  stage = { "researching", "evaluating", "purchasing" },
  mind = { price_worry = { at_least = 0.5 } },
  when = function(c)
    return (c.facts.company_size or 0) >= 200 and may_market(c)
  end,
  send = { content = "roi-calculator", channel = "email", after = "30m" },
  cooldown = "14d",
  priority = 70,
  because = "Hesitates over the price in a larger company: the champion needs numbers to "
         .. "win the budget internally",
}

---------------------------------------------------------------------------------------------
-- Too many options: one page that puts them side by side, never more product mail.
--
-- Two segments, two journeys. A team without a marketing-automation tool needs the plain
-- comparison of our editions. A team that already runs one compares us with what it has:
-- it gets the comparison written for MA teams, and a person who maps their current setup
-- to an edition in twenty minutes.
---------------------------------------------------------------------------------------------

act "untangle_the_choices" {
  stage = { "interested", "researching", "evaluating" },
  mind = { choice_overload = { at_least = 0.6 } },
  when = function(c)
    return not runs_ma(c) and may_market(c)
  end,
  send = { content = "comparison-guide", channel = "email", after = "1h" },
  cooldown = "14d",
  priority = 60,
  because = "Stuck between options: a side-by-side comparison turns browsing into a choice",
}

act "untangle_the_choices_for_ma_teams" {
  stage = { "interested", "researching", "evaluating" },
  mind = { choice_overload = { at_least = 0.6 } },
  facts = { runs_ma = true },
  when = may_market,
  send = { content = "comparison-for-ma-teams", channel = "email", after = "1h" },
  cooldown = "14d",
  priority = 60,
  because = "Stuck between options, and already running an automation tool: they compare "
         .. "us with what they have, so show what we add and what we replace",
}

act "offer_a_fit_check" {
  stage = { "interested", "researching", "evaluating" },
  mind = { choice_overload = { at_least = 0.6 } },
  facts = { runs_ma = true },
  when = may_market,
  task = {
    role = "inside_sales",
    title = "Offer a 20-minute fit check: map the tools they run today to one edition",
    after = "2h",
  },
  cooldown = "14d",
  priority = 60,
  because = "With a tool already in place the right edition depends on their setup: "
         .. "a person untangles that faster than any guide",
}

---------------------------------------------------------------------------------------------
-- Keen on the product and not overwhelmed: a short tour of what it does.
---------------------------------------------------------------------------------------------

act "show_what_it_does" {
  stage = { "researching" },
  -- Only while the choices are clear to them: at the first sign of overload (one long
  -- look is 0.25) they get the comparison above, not one more mail about features.
  -- The tour follows a look at a product page, not a visit to the comparison or the prices.
  -- (An action rule's condition gets the touchpoint too, as its second argument.)
  on = "page_view",
  where = { page_type = "product" },
  mind = { product_interest = { at_least = 0.4 }, choice_overload = { below = 0.2 } },
  when = may_market,
  send = { content = "feature-tour", channel = "email", after = "1h" },
  cooldown = "30d",
  priority = 55,
  because = "Came back to the product pages and takes them in calmly: a five-minute tour "
         .. "answers the next questions before they have to ask",
}

---------------------------------------------------------------------------------------------
-- Deciding: answer the objections before they turn into a "no".
---------------------------------------------------------------------------------------------

act "answer_the_objections" {
  stage = { "evaluating", "purchasing" },
  mind = { objections = { at_least = 0.5 } },
  when = may_market,
  send = { content = "objections-answered", channel = "email", after = "1h" },
  cooldown = "21d",
  priority = 75,
  because = "Someone deciding has a concern: a straight written answer travels around the "
         .. "buying committee when our champion cannot",
}

---------------------------------------------------------------------------------------------
-- A proposal gone quiet (see 20_mind.lua for how "quiet" is noticed): a person checks in.
---------------------------------------------------------------------------------------------

act "check_in_on_the_quiet_deal" {
  stage = { "purchasing" },
  mind = { stalling = { at_least = 0.5 } },
  task = {
    role = "inside_sales",
    title = "Check in on the open proposal: ask what holds the decision, offer help with "
         .. "the internal case",
    after = "1h",
  },
  cooldown = "14d",
  priority = 90,
  because = "A proposal that goes quiet for two weeks is usually stuck on one question "
         .. "nobody asked aloud: a short personal check-in brings it out",
}

---------------------------------------------------------------------------------------------
-- New customers: the success guide while the purchase is fresh.
---------------------------------------------------------------------------------------------

act "welcome_with_the_success_guide" {
  stage = { "onboarding" },
  mind = { setup_need = { at_least = 0.5 } },
  when = may_market,
  send = { content = "onboarding-success-guide", channel = "email", after = "1h" },
  cooldown = "30d",
  priority = 60,
  because = "Just bought and not yet at first value: the five steps that make customers succeed",
}

---------------------------------------------------------------------------------------------
-- A customer's company is changing: a conversation about growing with us.
---------------------------------------------------------------------------------------------

act "talk_about_growing" {
  stage = { "onboarding", "retained", "advocate" },
  -- Never pitch more to a customer who is still angry about a defect.
  -- Nor while a defect ticket is still open, however calm they seem by now.
  mind = { room_to_grow = { at_least = 0.6 }, frustration = { below = 0.3 } },
  when = function(c)
    return not defect_open(c)
  end,
  task = {
    role = "field_sales",
    title = "Congratulate them on the change and ask which new teams will need us",
    after = "4h",
  },
  cooldown = "30d",
  priority = 50,
  because = "Their company is growing: the best time to talk about more seats is before "
         .. "the new teams pick something else",
}

act "offer_growth_pricing" {
  stage = { "onboarding", "retained", "advocate" },
  mind = { room_to_grow = { at_least = 0.6 }, frustration = { below = 0.3 } },
  when = may_market,
  -- Two days later, so that the account manager's call comes first.
  send = { content = "expansion-offer", channel = "email", after = "2d" },
  cooldown = "30d",
  priority = 50,
  because = "Growing customers should hear that growing with us stays affordable",
}

---------------------------------------------------------------------------------------------
-- Advocates: a place among peers, then the referral ask.
---------------------------------------------------------------------------------------------

act "invite_to_the_community" {
  stage = { "advocate" },
  mind = { satisfaction = { at_least = 0.7 }, frustration = { below = 0.3 } },
  when = may_market,
  send = { content = "community-invite", channel = "email", after = "1h" },
  cooldown = "90d",
  priority = 40,
  because = "A happy customer: give them peers to share with before asking anything of them",
}

act "ask_for_a_referral" {
  stage = { "advocate" },
  mind = { satisfaction = { at_least = 0.7 }, frustration = { below = 0.3 } },
  when = may_market,
  -- A week after the community invitation: first give, then ask.
  send = { content = "referral-program", channel = "email", after = "7d" },
  cooldown = "90d",
  priority = 40,
  because = "A happy customer is the most credible voice we have: ask for an introduction",
}

---------------------------------------------------------------------------------------------
-- Education by stage, for leads who are still learning.
---------------------------------------------------------------------------------------------

-- Two segments again: a team new to automation learns why nurture mails are ignored; a
-- team that already runs a tool knows that, and learns what its tool already sees and wastes.
act "teach_the_problem" {
  stage = { "problem_aware" },
  mind = { curiosity = { at_least = 0.4 } },
  when = function(c) return not runs_ma(c) and may_market(c) end,
  send = { content = "guide-the-problem", channel = "email", after = "1h" },
  cooldown = "30d",
  priority = 30,
  because = "Learning about the problem: an honest article about it, not a sales pitch yet",
}

act "teach_the_problem_to_ma_teams" {
  stage = { "problem_aware" },
  mind = { curiosity = { at_least = 0.4 } },
  facts = { runs_ma = true },
  when = may_market,
  send = { content = "guide-signals-your-ma-misses", channel = "email", after = "1h" },
  cooldown = "30d",
  priority = 30,
  because = "Learning about the problem with an automation tool already in place: show "
         .. "the signals their own tool collects and never acts on",
}

act "invite_to_the_webinar" {
  stage = { "interested" },
  mind = { curiosity = { at_least = 0.5 } },
  when = function(c)
    return not c:did("webinar_attended", "30d") and may_market(c)
  end,
  send = { content = "webinar-invite", channel = "email", after = "1d" },
  cooldown = "30d",
  priority = 30,
  because = "Interested and keen to learn: an hour with our experts is the natural next step",
}

act "hand_over_the_buyers_guide" {
  stage = { "researching" },
  mind = { curiosity = { at_least = 0.5 } },
  when = may_market,
  send = { content = "buyers-guide", channel = "email", after = "1h" },
  cooldown = "30d",
  priority = 30,
  because = "Still learning while looking at solutions: the questions to ask any vendor, us included",
}

---------------------------------------------------------------------------------------------
-- The buying committee: a task for the account, not for one person.
---------------------------------------------------------------------------------------------

act "engage_the_buying_committee" {
  for_account = true, -- once for the whole account, whichever of its people triggers it
  account_mind = { committee_forming = { at_least = 0.5 } },
  task = {
    role = "field_sales",
    title = "Several people at this account are comparing prices: call the account owner and offer a group demo",
    after = "2h",
    window = "business_hours",
  },
  cooldown = "14d",
  priority = 85,
  because = "A buying group is forming: talk to the account as a whole before each person decides alone",
}
