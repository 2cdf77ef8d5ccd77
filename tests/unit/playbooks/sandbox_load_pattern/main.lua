-- A pattern whose backtracking on this subject would run for hours inside C, unhooked.
local subject = string.rep("a", 60000)
return subject:find(string.rep("a*", 20) .. "b")
