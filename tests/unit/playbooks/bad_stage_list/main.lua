content "case_study" { title = "How Acme cut churn", channel = "email" }
act "reassure" {
  stage = { "researching", "evaluating", 3 },
  send = { content = "case_study" },
  because = "a number in the stage list",
}
