-- The content catalogue: everything the playbook can send.
--
-- Each entry has an id (used by the action rules), a title the contact sees, a link, and the
-- channel it normally goes out on. The other fields (format, stages, addresses, topics,
-- industries) describe the piece for the people who maintain this list; the engine does not
-- use them yet. "addresses" names the state of mind the piece is written for.

---------------------------------------------------------------------------------------------
-- Customer stories, one per industry: the best answer to a quiet worry is a peer who had the
-- same worry and came out fine. The action rule picks the one matching the contact's
-- industry and falls back to the general story.
---------------------------------------------------------------------------------------------

content "story-manufacturing" {
  title = "How a mid-size manufacturer doubled qualified leads without adding staff",
  url = "https://example.com/stories/manufacturing",
  channel = "email", format = "case_study",
  stages = { "researching", "evaluating" }, addresses = "anxiety",
  industries = { "manufacturing" },
}

content "story-healthcare" {
  title = "How a clinic network keeps patient-facing teams in step, compliantly",
  url = "https://example.com/stories/healthcare",
  channel = "email", format = "case_study",
  stages = { "researching", "evaluating" }, addresses = "anxiety",
  industries = { "healthcare" },
}

content "story-software" {
  title = "How a SaaS team cut its sales cycle by three weeks",
  url = "https://example.com/stories/software",
  channel = "email", format = "case_study",
  stages = { "researching", "evaluating" }, addresses = "anxiety",
  industries = { "software" },
}

content "story-finance" {
  title = "How a regional bank reached business customers at the right moment",
  url = "https://example.com/stories/finance",
  channel = "email", format = "case_study",
  stages = { "researching", "evaluating" }, addresses = "anxiety",
  industries = { "finance" },
}

content "story-general" {
  title = "Three companies like yours, one year after switching",
  url = "https://example.com/stories",
  channel = "email", format = "case_study",
  stages = { "researching", "evaluating" }, addresses = "anxiety",
}

---------------------------------------------------------------------------------------------
-- Price: explain it plainly to small teams; give larger companies the numbers their
-- finance department will ask for.
---------------------------------------------------------------------------------------------

content "pricing-explainer" {
  title = "Our pricing in five minutes: what you pay for, and what you never pay for",
  url = "https://example.com/pricing/explained",
  channel = "email", format = "article",
  stages = { "researching", "evaluating", "purchasing" }, addresses = "price_worry",
}

content "roi-calculator" {
  title = "ROI calculator: your numbers, your payback period",
  url = "https://example.com/tools/roi",
  channel = "email", format = "tool",
  stages = { "researching", "evaluating", "purchasing" }, addresses = "price_worry",
}

---------------------------------------------------------------------------------------------
-- Too many options: one page that puts them side by side. Teams that already run a
-- marketing-automation tool compare us with what they have, so they get their own version.
---------------------------------------------------------------------------------------------

content "comparison-guide" {
  title = "Which edition fits you? A one-page comparison",
  url = "https://example.com/guides/compare-editions",
  channel = "email", format = "guide",
  stages = { "researching", "evaluating" }, addresses = "choice_overload",
}

content "comparison-for-ma-teams" {
  title = "Already running marketing automation? What we add, what we replace, which edition fits",
  url = "https://example.com/guides/compare-for-ma-teams",
  channel = "email", format = "guide",
  stages = { "researching", "evaluating" }, addresses = "choice_overload",
}

---------------------------------------------------------------------------------------------
-- The product itself, for researchers who want to see it and are not overwhelmed. This is the
-- "more product mail" that a contact drowning in options must NOT get.
---------------------------------------------------------------------------------------------

content "feature-tour" {
  title = "Five things nurture does in your first week, in five minutes",
  url = "https://example.com/product/tour",
  channel = "email", format = "article",
  stages = { "researching" }, addresses = "product_interest",
}

---------------------------------------------------------------------------------------------
-- Objections: when a buying committee is deciding, somebody raises a concern.
---------------------------------------------------------------------------------------------

content "objections-answered" {
  title = "Security, integration, effort, exit: straight answers to what buying committees ask us",
  url = "https://example.com/guides/objections-answered",
  channel = "email", format = "guide",
  stages = { "evaluating", "purchasing" }, addresses = "objections",
}

---------------------------------------------------------------------------------------------
-- Education by stage, for leads who are still learning.
---------------------------------------------------------------------------------------------

content "guide-the-problem" {
  title = "Why most nurture e-mails are ignored, and what buyers read instead",
  url = "https://example.com/blog/why-nurture-mails-are-ignored",
  channel = "email", format = "article",
  stages = { "problem_aware" }, addresses = "curiosity", topics = { "nurturing" },
}

-- The same lesson for teams that already run a marketing-automation tool: they know what a
-- nurture mail is; what they miss is the signals their tool collects and never uses.
content "guide-signals-your-ma-misses" {
  title = "Your automation sends on schedule. Here are the buying signals it already has and ignores",
  url = "https://example.com/blog/signals-your-ma-misses",
  channel = "email", format = "article",
  stages = { "problem_aware" }, addresses = "curiosity", topics = { "signals" },
}

content "webinar-invite" {
  title = "Live webinar: reading buying signals your CRM already has",
  url = "https://example.com/webinars/buying-signals",
  channel = "email", format = "webinar",
  stages = { "interested" }, addresses = "curiosity", topics = { "signals" },
}

content "buyers-guide" {
  title = "The buyer's guide to nurturing automation: questions to ask any vendor",
  url = "https://example.com/guides/buyers-guide",
  channel = "email", format = "guide",
  stages = { "researching" }, addresses = "curiosity",
}

content "demo-what-to-expect" {
  title = "Your demo: what we will show, and what to bring",
  url = "https://example.com/demo/what-to-expect",
  channel = "email", format = "article",
  stages = { "evaluating" }, addresses = "readiness",
}

---------------------------------------------------------------------------------------------
-- Customers.
---------------------------------------------------------------------------------------------

content "apology-defect" {
  title = "We are sorry: what went wrong, and what we are doing about it",
  url = "https://example.com/support/our-commitment",
  channel = "email", format = "letter",
  stages = { "onboarding", "retained", "advocate" }, addresses = "frustration",
}

content "onboarding-success-guide" {
  title = "Your first 30 days: the five steps our most successful customers take",
  url = "https://example.com/success/first-30-days",
  channel = "email", format = "guide",
  stages = { "onboarding" }, addresses = "setup_need",
}

content "expansion-offer" {
  title = "Growing? Bring new teams on board at your current per-seat price",
  url = "https://example.com/offers/grow-with-us",
  channel = "email", format = "offer",
  stages = { "onboarding", "retained", "advocate" }, addresses = "room_to_grow",
}

content "community-invite" {
  title = "Join the customer community: swap playbooks with your peers",
  url = "https://example.com/community",
  channel = "email", format = "invitation",
  stages = { "advocate" }, addresses = "satisfaction",
}

content "referral-program" {
  title = "Know a team with the same problem? Introduce them and both of you save",
  url = "https://example.com/referrals",
  channel = "email", format = "offer",
  stages = { "advocate" }, addresses = "satisfaction",
}
