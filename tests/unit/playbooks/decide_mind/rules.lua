-- `mind` and `account_mind` bounds, for test_decide.c. A touchpoint's props say how far to
-- raise the contact's "worry" and "calm" and the account's "buzz"; then each rule below whose
-- bounds hold raises a marker state of its own, so the markers a touchpoint raised tell which
-- rules ran.
state "worry" {}
state "calm" {}
state "buzz" {}
for _, marker in ipairs { "at_least", "above", "at_most", "below", "number", "between", "both",
                          "when", "quiet_account", "busy_account", "never" } do
  state(marker) {}
end

infer "worry_0.3" { where = { worry = 0.3 }, raise = { worry = 0.3 } }
infer "worry_0.5" { where = { worry = 0.5 }, raise = { worry = 0.5 } }
infer "worry_0.7" { where = { worry = 0.7 }, raise = { worry = 0.7 } }
infer "worry_0.95" { where = { worry = 0.95 }, raise = { worry = 0.95 } }
infer "calm_0.5" { where = { calm = 0.5 }, raise = { calm = 0.5 } }
infer "buzz_0.6" { where = { buzz = 0.6 }, for_account = true, raise = { buzz = 0.6 } }

infer "worry_at_least_half" { mind = { worry = { at_least = 0.5 } }, raise = { at_least = 1 } }
infer "worry_above_half" { mind = { worry = { above = 0.5 } }, raise = { above = 1 } }
infer "worry_at_most_half" { mind = { worry = { at_most = 0.5 } }, raise = { at_most = 1 } }
infer "worry_below_half" { mind = { worry = { below = 0.5 } }, raise = { below = 1 } }
infer "a_number_means_at_least" { mind = { worry = 0.5 }, raise = { number = 1 } }
infer "worry_between" { mind = { worry = { above = 0.3, at_most = 0.5 } }, raise = { between = 1 } }
infer "worried_and_calm" { mind = { worry = 0.5, calm = 0.5 }, raise = { both = 1 } }
infer "worried_then_when" {
  mind = { worry = 0.7 },
  when = function(e, c) return c.mind.calm > 0 end,
  raise = { when = 1 },
}
infer "quiet_account" { account_mind = { buzz = { below = 0.5 } }, raise = { quiet_account = 1 } }
infer "busy_account" { account_mind = { buzz = { at_least = 0.5 } }, raise = { busy_account = 1 } }
-- Its condition fails whenever it runs: a contact its bounds exclude must not run it.
infer "never_below_these_bounds" {
  mind = { worry = { above = 0.9 } },
  when = function(e, c) error("ran for a contact its bounds exclude") end,
  raise = { never = 1 },
}

-- An action whose bounds and facts hold: its reason cites the states and facts they read, as
-- c.mind and c.facts would. A suppression on a fact alone holds it back.
content "story" { title = "A story", channel = "email" }
act "reassure" {
  on = "check",
  mind = { worry = { at_least = 0.5 }, calm = { at_least = 0.2 } },
  account_mind = { buzz = { at_least = 0.5 } },
  facts = { tier = "gold" },
  send = { content = "story" },
  because = "Worried, calm enough to read, and the account is busy",
}
suppress "paused" { facts = { paused = true } }
