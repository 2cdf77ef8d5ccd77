content "case_study" { title = "How Acme cut churn", channel = "email" }
act "reassure" {
  send = { content = "case_study", after = "1 hour" },
  because = "a duration with a space",
}
