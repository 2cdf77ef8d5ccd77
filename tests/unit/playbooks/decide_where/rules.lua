-- `on` lists and `where`, for test_decide.c. Each rule raises a state of its own, so the
-- states a touchpoint raised tell which rules fired.
infer "faq_page" { on = "page_view", where = { page_type = "faq" }, raise = { faq = 0.5 } }
infer "offer_page" {
  on = "page_view", where = { page_type = { "pricing", "product" } }, raise = { offer = 0.5 },
}
infer "pricing_on_a_phone" {
  on = "page_view", where = { page_type = "pricing", device = "mobile" }, raise = { phone = 0.5 },
}
infer "any_web_touchpoint" { where = { channel = "web" }, raise = { web = 0.5 } }
infer "ten_seats_on_trial" {
  on = "form_submit", where = { seats = 10, trial = true }, raise = { ten = 0.5 },
}
infer "asked_us" { on = { "form_submit", "meeting_booked" }, raise = { asked = 0.5 } }
infer "long_read_of_the_docs" {
  on = "page_view", where = { page_type = "docs" },
  when = function(e, c) return (e.dwell_s or 0) >= 60 end,
  raise = { docs = 0.5 },
}
-- Its condition fails whenever it runs: a touchpoint it is not for must not run it.
infer "never_for_these_pages" {
  on = "page_view", where = { page_type = "checkout" },
  when = function(e, c) error("ran on a touchpoint its where excludes") end,
  raise = { checkout = 0.5 },
}
-- `stage` on an inference rule: a stage rule moves the contact on a "demo", and the inference
-- rule after it sees the stage it moved to.
advance "demo_means_evaluating" { on = "demo", to = "evaluating" }
infer "weighs_the_offer" { stage = { "evaluating" }, raise = { weighing = 0.5 } }
-- `facts`: the contact's facts, here from an identify touchpoint's props.
infer "a_small_business" { facts = { segment = "smb" }, raise = { small = 0.5 } }
infer "small_or_mid" { facts = { segment = { "smb", "mid_market" } }, raise = { not_large = 0.5 } }
infer "ten_seats_with_a_tool" { facts = { seats = 10, runs_ma = true }, raise = { tooled = 0.5 } }
-- `mind` in a playbook that declares no states: any name goes, with the default half-life.
infer "worried_by_the_faq" { mind = { faq = { at_least = 0.5 } }, raise = { worried = 0.5 } }
