infer "worry" {
  on = "page_view", where = { page_type = { "faq", { "help" } } },
  raise = { anxiety = 0.5 },
}
