local looping = {}

setmetatable(looping, { __gc = function() while true do end end })
