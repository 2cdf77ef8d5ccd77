-- One rule per escape attempt; test_sandbox.c runs each and checks how it is refused.
infer "ok" { when = function(e, c) return ("x"):find("x") == 1 end, raise = { anxiety = 0.1 } }

-- Files, processes, loaders and the debug library are not there.
infer "io_open" { when = function() return io.open("/etc/passwd") end, raise = { a = 1 } }
infer "os_execute" { when = function() return os.execute("true") end, raise = { a = 1 } }
infer "io_popen" { when = function() return io.popen("id") end, raise = { a = 1 } }
infer "require" { when = function() return require("os") end, raise = { a = 1 } }
infer "dofile" { when = function() return dofile("/etc/passwd") end, raise = { a = 1 } }
infer "load_bytecode" {
  when = function() return load("\27Lua\84\0\25\147\r\n\26\n\4\8\8", "x", "b") end,
  raise = { a = 1 },
}
infer "string_dump" { when = function() return string.dump(function() end) end, raise = { a = 1 } }
infer "debug_sethook" { when = function() return debug.sethook() end, raise = { a = 1 } }
infer "coroutine" { when = function() return coroutine.wrap(function() end) end, raise = { a = 1 } }
-- Nothing dangerous is reachable to put back: the whole surface, listed.
local surface = [[
  _G _VERSION act advance assert best business_hours cap content error getmetatable goal infer ipairs
  math math.abs math.acos
  math.asin math.atan math.atan2 math.ceil math.cos math.cosh math.deg math.exp math.floor
  math.fmod math.frexp math.huge math.ldexp math.log math.log10 math.max math.maxinteger math.min
  math.mininteger math.modf math.pi math.pow math.rad math.random math.randomseed math.sin
  math.sinh math.sqrt math.tan math.tanh math.tointeger math.type math.ult next pairs pcall
  quiet_hours rawequal rawget rawlen rawset select setmetatable stages state string string.byte
  string.char suppress
  string.find string.format string.gmatch string.gsub string.len string.lower string.match
  string.pack string.packsize string.rep string.reverse string.sub string.unpack string.upper
  table table.concat table.insert table.move table.pack table.remove table.sort table.unpack
  test tonumber tostring type utf8 utf8.char utf8.charpattern utf8.codepoint utf8.codes utf8.len
  utf8.offset xpcall
]]
infer "surface" {
  when = function()
    local expected, seen, extra = {}, {}, {}
    for name in surface:gmatch("%S+") do expected[name] = true end
    for k, v in pairs(_G) do
      seen[k] = true
      if type(v) == "table" and k ~= "_G" then
        for k2 in pairs(v) do seen[k .. "." .. k2] = true end
      end
    end
    for name in pairs(seen) do if not expected[name] then extra[#extra + 1] = name end end
    for name in pairs(expected) do if not seen[name] then extra[#extra + 1] = "-" .. name end end
    table.sort(extra)
    if #extra > 0 then error("surface changed: " .. table.concat(extra, " ")) end
    return true
  end,
  raise = { a = 1 },
}
infer "rawset_back" {
  when = function()
    rawset(_G, "load", rawget(_G, "load") or rawget(string, "load"))
    return load("return 1")
  end,
  raise = { a = 1 },
}

-- The instruction budget reaches Lua called back from C functions, and pcall cannot end it.
infer "pcall_tail" { when = function() return pcall(function() while true do end end) end, raise = { a = 1 } }
infer "loop_in_gsub" {
  when = function() return ("xyz"):gsub(".", function() while true do end end) end,
  raise = { a = 1 },
}
infer "loop_in_sort" {
  when = function() table.sort({ 3, 2, 1 }, function() while true do end end) end,
  raise = { a = 1 },
}
infer "loop_in_handler" {
  when = function() local ok = xpcall(error, function() while true do end end) return ok end,
  raise = { a = 1 },
}

-- Memory: string.rep past its cap, and doubling a string until the memory cap.
infer "rep_cap" { when = function() return string.rep("x", (1 << 20) + 1) end, raise = { a = 1 } }
infer "rep_separator" {
  when = function() return string.rep("x", 3, string.rep("y", 1 << 19)) end,
  raise = { a = 1 },
}
infer "rep_empty" { when = function() return string.rep("", math.maxinteger) == "" end, raise = { a = 1 } }
infer "doubling" {
  when = function() local s = "x" for _ = 1, 40 do s = s .. s end return #s end,
  raise = { a = 1 },
}

-- Patterns: C code the hook never interrupts.
infer "pattern_find" {
  when = function() return string.rep("a", 60000):find(string.rep("a*", 20) .. "b") end,
  raise = { a = 1 },
}
infer "pattern_method" {
  when = function() return (("a"):rep(20000)):match(".-.-b") end,
  raise = { a = 1 },
}
infer "pattern_gmatch" {
  when = function() for w in (("a"):rep(20000)):gmatch("^a*b") do end end,
  raise = { a = 1 },
}
infer "pattern_gsub" {
  when = function() return (("ab"):rep(10000)):gsub("%b()(.-)%1", "") end,
  raise = { a = 1 },
}
infer "long_subject" {
  when = function() return (" "):rep(65537):find("x", 1, true) end,
  raise = { a = 1 },
}
infer "long_pattern" { when = function() return ("x"):find(("x"):rep(257)) end, raise = { a = 1 } }
-- Allowed: anchored, or small enough, they finish quickly.
infer "pattern_fine" {
  when = function()
    return ("a"):rep(60000):find("^a*b") == nil and ("a"):rep(5000):find("a*b") == nil
       and ("/blog/why"):match("^/(%w+)/(%w+)$") == "blog"
  end,
  raise = { a = 1 },
}

-- Tables: C loops over a length the rule chooses.
infer "insert_len" {
  when = function()
    local t = setmetatable({}, { __len = function() return 1 << 50 end })
    table.insert(t, 1, "x")
  end,
  raise = { a = 1 },
}
infer "remove_len" {
  when = function()
    local t = setmetatable({}, { __len = function() return 1 << 50 end })
    table.remove(t, 1)
  end,
  raise = { a = 1 },
}
infer "move_range" {
  when = function() table.move({}, 1, math.maxinteger - 1, 2) end,
  raise = { a = 1 },
}

-- Metatables: the string metatable is locked, __gc is refused however it is hidden.
infer "string_meta_read" { when = function() return getmetatable("").__index end, raise = { a = 1 } }
infer "string_meta_rawset" {
  when = function() rawset(getmetatable(""), "__index", {}) end,
  raise = { a = 1 },
}
infer "gc_behind_index" {
  when = function()
    local mt = setmetatable({}, { __index = function() return function() while true do end end end })
    setmetatable({}, mt)
  end,
  raise = { a = 1 },
}

-- Declarations run only while the playbook loads: one from a rule would move the rule records
-- under the running rule (found by fuzz_playbook).
local held = infer "held"
infer "declare_late" { when = function() infer "late" { raise = { a = 1 } } end, raise = { a = 1 } }
infer "declare_held" { when = function() held { raise = { a = 1 } } end, raise = { a = 1 } }
