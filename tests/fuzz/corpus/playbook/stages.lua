stages { "lead", "mql", "sql" }
advance "qualify" { from = "lead", to = "mql", when = function(e, c) return c:did("identify") end, because = "known" }
content "x" { title = "X", channel = "sms" }
act "pick" { send = { content = function(c, e) return c.stage == "mql" and "x" or nil end }, because = "b" }
