-- A small playbook for the policies flow: two mails per page view, a suppression and a goal.
content "hello" { title = "Hello", channel = "email" }
content "later" { title = "Later", channel = "email" }

suppress "unsubscribed" {
  when = function(c) return c:did("unsubscribe") end,
  because = "They asked us to stop",
}

goal "meeting_booked" { on = "meeting_booked", because = "The meeting is what the nurture was for" }

act "hello_soon" { on = "page_view", send = { content = "hello", after = "2s" }, because = "soon" }
act "later" { on = "page_view", send = { content = "later", after = "1d" }, because = "later" }
