-- For test_decide.c: a rule whose condition fails once the contact has clicked, to show when
-- it runs and when it does not.
content "guide" { title = "Guide", channel = "email" }

act "guide_until_a_click" {
  on = "visit",
  when = function(c)
    if c:did("click") then error("the condition ran") end
    return true
  end,
  send = { content = "guide" },
  cooldown = "30d",
  because = "g",
}
