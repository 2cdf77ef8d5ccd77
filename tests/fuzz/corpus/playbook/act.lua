content "story" { title = "A story", url = "https://example.com/s", channel = "email" }
act "reassure" {
  stage = { "unaware", "researching" },
  when = function(c, e) return c.mind.anxiety > 0.1 or c.facts.industry ~= nil end,
  send = { content = "story", after = "1h" }, cooldown = "14d", priority = 10,
  because = "Worried",
}
act "call" { task = { role = "inside_sales", title = "Call" }, because = "Ask", priority = 1 }
