content "case_study" { title = "How Acme cut churn", channel = "email" }

act "reassure" {
  stage = { "researching", "nowhere" },
  send = { content = "case_study" },
  because = "test",
}
