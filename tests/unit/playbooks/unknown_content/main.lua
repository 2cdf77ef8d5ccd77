content "case_study" { title = "How Acme cut churn", channel = "email" }


act "reassure" {
  send = { content = "case_stuyd" },
  because = "a typo in the content id",
}
