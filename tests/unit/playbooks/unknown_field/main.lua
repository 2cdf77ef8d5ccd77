content "case_study" { title = "How Acme cut churn", channel = "email" }

act "reassure" {
  send = { content = "case_study" },
  cooldwon = "14d",
  because = "a misspelt field",
}
