content "case_study" { title = "How Acme cut churn" }

infer "broken" {
  on = "page_view"
  raise = { anxiety = 0.5 },
}
