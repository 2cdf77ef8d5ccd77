-- Every check runs at load time: a failing one makes the load fail with its name.
local missing = { "io", "os", "require", "load", "loadfile", "dofile", "debug", "print",
                  "collectgarbage", "package" }
for _, name in ipairs(missing) do
  assert(_G[name] == nil, name .. " is reachable")
end
assert(string.dump == nil, "string.dump is reachable")
assert(("").dump == nil, "string.dump is reachable through the string metatable")
assert(type(string.format) == "function", "string is missing")
assert(type(table.concat) == "function", "table is missing")
assert(type(math.floor) == "function", "math is missing")
assert(type(utf8.char) == "function", "utf8 is missing")
assert(type(pcall) == "function", "pcall is missing")
-- setmetatable still works without __gc.
local t = setmetatable({}, { __index = function() return 7 end })
assert(t.anything == 7, "setmetatable without __gc must work")

infer "sandbox_ok" { raise = { anxiety = 0.1 } }
