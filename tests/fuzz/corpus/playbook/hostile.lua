local ok = pcall(function() while true do end end)
infer "loop" { when = function() local t = setmetatable({}, { __index = function(t, k) return t[k] end }) return t.x end, raise = { a = 1 } }
