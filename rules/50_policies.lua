-- Policies: what the engine enforces whatever an action rule says.
--
-- The action rules above still check `still_subscribed(c)` themselves (they were written
-- before the engine had policies); these make the same promise hold for every rule, now and
-- for rules added later, and make the engine record what they hold back.

-- An unsubscribe is kept as a fact, not looked up in the history: the history holds the last
-- 64 touchpoints, and a reader who unsubscribed and then kept reading our pages would push the
-- unsubscribe out of it. A CRM that sees them subscribe again sends `unsubscribed = false` in
-- an identify touchpoint, which replaces the fact. Contacts stored before this rule existed
-- have no such fact: send the CRM's unsubscribe list as identify touchpoints with
-- `unsubscribed = true` (`nurture push`) when moving to this playbook.
infer "asked_us_to_stop" {
  on = "unsubscribe",
  set = { unsubscribed = true },
  because = "Unsubscribed from our marketing mail",
}

suppress "unsubscribed" {
  facts = { unsubscribed = true },
  because = "They asked us to stop sending marketing mail",
}

-- A booked meeting is what the nurture was for: mail still pending after it is cancelled.
goal "meeting_booked" {
  on = "meeting_booked",
  because = "The meeting is booked: the nurture mail that was meant to win it is not needed",
}

-- Never more than three marketing mails in a week, whichever rules want to send them.
cap "three_mails_a_week" {
  channel = "email",
  max = 3,
  per = "7d",
  because = "More mail than this reads as spam, however good each one is",
}
