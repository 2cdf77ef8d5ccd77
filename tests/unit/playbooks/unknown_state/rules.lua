state "anxiety" { half_life = "7d" }

infer "typo" { raise = { anxeity = 0.5 } }
