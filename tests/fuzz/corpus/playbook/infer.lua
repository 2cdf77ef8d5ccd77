state "anxiety" { half_life = "7d" }
infer "faq_loop" {
  on = "page_view",
  when = function(e, c) return e.page_type == "faq" and c:count("page_view", { page_type = "faq" }, "14d") >= 1 end,
  raise = { anxiety = 0.3 }, lower = { trust = 0.1 },
  because = "Reads the FAQ again and again",
}
