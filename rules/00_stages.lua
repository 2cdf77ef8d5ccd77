-- The reference playbook of nurture: the B2B journey, from "never heard of the problem" to
-- "tells their peers about us".
--
-- How to read this folder. The files run in name order, and each one does one job:
--
--   00_stages.lua        the stages of the buyer's journey (this file)
--   10_catalogue.lua     the content we can send: stories, guides, explainers, offers
--   20_mind.lua          what touchpoints tell us about what the contact thinks or feels
--   30_stage_rules.lua   which touchpoints move a contact to another stage
--   40_actions.lua       what we do about it: which content, which call, and when
--
-- The reasoning always goes in two steps, never one jump:
--
--   what they did  ->  what they likely think or feel  ->  what we send, or who calls, and when
--   (touchpoints)      (mind states, in 20_mind.lua)       (actions, in 40_actions.lua)
--
-- So 40_actions.lua never says "they clicked X, send Y". It says "they are worried, send a
-- customer story", and 20_mind.lua says why we believe they are worried. Every action the
-- engine emits carries that chain, so anyone can read why a contact got what they got.

-- The buyer's view of the journey, in order. A new contact starts at the first one.
-- These are the engine's defaults, written out so that the playbook says what it means.
-- Journeys are not a straight line: a contact can skip a stage (a stranger who asks for a
-- demo goes straight to evaluating) or stay in one for months.
stages {
  "unaware",        -- has not yet named the problem we solve
  "problem_aware",  -- knows the problem, is learning about it (reads, subscribes)
  "interested",     -- engages with us: clicks our mails, joins a webinar
  "researching",    -- looks at the product itself: product pages, pricing, FAQ
  "evaluating",     -- talks to us: asked for a demo or a contact
  "purchasing",     -- a proposal is on the table
  "onboarding",     -- bought; the first weeks decide whether they get value
  "retained",       -- uses the product as a habit; renewals and repeat business
  "advocate",       -- happy enough to tell others
}
