infer "a" { raise = { anxiety = 0.5 } }
