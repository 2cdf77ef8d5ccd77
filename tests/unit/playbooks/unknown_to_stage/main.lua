
advance "skip_ahead" {
  on = "page_view",
  to = "closed_won",
}
