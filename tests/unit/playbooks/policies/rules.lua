-- Policies and goals, for test_policy.c.
content "guide" { title = "Guide", channel = "email" }
content "story" { title = "Story", channel = "email" }
content "offer" { title = "Offer", channel = "email" }
content "tips"  { title = "Tips",  channel = "email" }

quiet_hours { from = "20:00", to = "08:00" }

suppress "unsubscribed" {
  when = function(c) return c:did("unsubscribe") end,
  because = "They asked us to stop",
}

cap "two_mails_a_week" { channel = "email", max = 2, per = "7d" }

goal "meeting_booked" { on = "meeting_booked", because = "A meeting is the goal of the nurture" }

act "send_guide" { on = "page_view", send = { content = "guide", after = "1h" }, priority = 30, because = "g" }
act "send_story" { on = "page_view", send = { content = "story", after = "2h" }, priority = 20, because = "s" }
act "send_offer" { on = "page_view", send = { content = "offer", after = "3d" }, priority = 10, because = "o" }
act "call" { on = "page_view", task = { role = "inside_sales", title = "Call", after = "1h" }, priority = 5, because = "c" }
act "business_tips" { on = "webinar_attended", send = { content = "tips", window = "business_hours" }, because = "t" }
