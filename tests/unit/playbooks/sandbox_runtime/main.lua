infer "ok" { when = function(e, c) return c.id == "c-1" and e.type == "page_view" end, raise = { anxiety = 0.1 } }
infer "endless" { when = function(e, c) while true do end end, raise = { anxiety = 0.1 } }
infer "endless_pcall" {
  when = function(e, c)
    while true do pcall(function() while true do end end) end
  end,
  raise = { anxiety = 0.1 },
}
infer "memory_bomb" { when = function(e, c) return #string.rep("x", 1 << 30) > 0 end, raise = { anxiety = 0.1 } }
infer "table_bomb" {
  when = function(e, c)
    local t = {}
    for i = 1, 200 do t[i] = string.rep("y", 1 << 20) .. i end
    return true
  end,
  raise = { anxiety = 0.1 },
}
infer "gc" { when = function(e, c) setmetatable({}, { __gc = function() end }) return true end, raise = { anxiety = 0.1 } }
infer "write_contact" { when = function(e, c) c.stage = "advocate" return true end, raise = { anxiety = 0.1 } }
infer "error_table" { when = function(e, c) error({ code = 1 }) end, raise = { anxiety = 0.1 } }
