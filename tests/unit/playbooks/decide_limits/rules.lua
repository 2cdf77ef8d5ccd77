act "low" { task = { role = "marketing", title = "low" }, priority = 1, because = "low" }
act "tie_a" { task = { role = "marketing", title = "tie a" }, priority = 4, because = "tie a" }
act "top" { task = { role = "marketing", title = "top" }, priority = 9, because = "top" }
act "tie_b" { task = { role = "marketing", title = "tie b" }, priority = 4, because = "tie b" }
act "mid" { task = { role = "marketing", title = "mid" }, priority = 2, because = "mid" }
