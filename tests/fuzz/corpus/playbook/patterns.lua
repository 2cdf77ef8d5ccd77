infer "p" {
  when = function(e, c)
    local u = e.url or ""
    return u:find("^/faq/(%w+)") ~= nil and ("a"):rep(100):gsub("a", "b") ~= "" and
           select("#", string.byte("abc", 1, -1)) == 3 and table.concat({ 1, 2 }, ",") == "1,2"
  end,
  raise = { anxiety = 0.1 },
}
