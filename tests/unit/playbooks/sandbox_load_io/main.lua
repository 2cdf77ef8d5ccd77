-- A rule file that tries to read a file while it loads.
local f = io.open("/etc/passwd")
