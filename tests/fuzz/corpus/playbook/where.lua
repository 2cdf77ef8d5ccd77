infer "faq" { on = "page_view", where = { page_type = "faq" }, raise = { anxiety = 0.5 } }
infer "offer" { on = { "page_view", "form_submit" }, where = { page_type = { "pricing", 2, true } },
  when = function(e, c) return (e.dwell_s or 0) > 9 end, raise = { price_worry = 0.4 } }
act "calm" { on = "page_view", where = { device = "mobile", seats = 10 },
  when = function(c) return c.mind.anxiety >= 0.5 end, send = { content = "x" }, because = "b" }
goal "met" { on = { "meeting_booked" }, where = { kind = "demo" } }
content "x" { title = "X", channel = "email" }
