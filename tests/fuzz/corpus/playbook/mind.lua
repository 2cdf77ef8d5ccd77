state "anxiety" {} state "calm" {} state "buzz" {}
infer "faq" { on = "page_view", where = { page_type = "faq" }, raise = { anxiety = 0.5 } }
infer "calmer" { mind = { anxiety = { above = 0.2, at_most = 0.8 } }, raise = { calm = 0.1 } }
infer "busy" { for_account = true, account_mind = { buzz = { below = 0.9 } }, raise = { buzz = 0.3 } }
act "calm" { mind = { anxiety = 0.5, calm = { at_least = 0.1 } }, account_mind = { buzz = 0.2 },
  when = function(c) return c.mind.calm < 1 end, send = { content = "x" }, because = "b" }
advance "ready" { mind = { anxiety = { below = 0.1 } }, to = "interested" }
goal "met" { on = "meeting_booked", mind = { calm = 0 }, facts = { tier = { "gold", 3, true } } }
suppress "paused" { facts = { paused = true } }
content "x" { title = "X", channel = "email" }
