local huge = string.rep("x", 1 << 30)
infer "never" { raise = { anxiety = #huge } }
