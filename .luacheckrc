-- luacheck settings for playbooks (rules/, examples/playbook-ja/, your own folders).
--   luacheck rules examples/playbook-ja
-- Playbooks are Lua 5.4 run in nurture's sandbox: the declarations below are the only
-- globals nurture adds, and they may be called but never assigned.

std = "lua54"

-- The sandbox opens base, string, table, math and utf8, and takes out whatever loads code,
-- reaches files or the process, or runs unchecked. Using any of these is an error at run
-- time, so luacheck flags it at once.
not_globals = {
  "io", "os", "debug", "package", "coroutine",
  "require", "load", "loadfile", "dofile", "collectgarbage", "print", "warn",
}

-- The playbook declarations.
read_globals = {
  "stages", "state", "content", "infer", "advance", "act", "test",
  -- policies and goals
  "suppress", "cap", "goal", "quiet_hours", "business_hours",
  -- the content chooser, callable inside a rule
  "best",
}

-- Rule functions receive (e, c) or (c, e) whether they use both or not.
unused_args = false

-- Explanations and titles are prose; long lines are fine.
max_line_length = false

-- The engine's own test playbooks (deliberately odd) are not author playbooks.
exclude_files = { "tests/fuzz/**", "build/**" }
