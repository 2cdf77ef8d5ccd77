for i = 1, 10 do
  infer("fails_" .. i) { when = function(e, c) error("boom " .. i) end, raise = { anxiety = 0.1 } }
end
act "survivor" { task = { role = "marketing", title = "still here" }, because = "after ten errors" }
