-- Each rule compares one query with the value the probe event expects.
local function rule(name, when) infer(name) { on = "probe", when = when, raise = { x = 0.1 } } end

rule("count_faq_7d", function(e, c) return c:count("page_view", { page_type = "faq" }, "7d") == e.expect end)
rule("count_page_views", function(e, c) return c:count("page_view") == e.expect end)
rule("count_window_only", function(e, c) return c:count("page_view", "1d") == e.expect end)
rule("count_bool_filter", function(e, c) return c:count("form_submit", { demo = true }) == e.expect end)
rule("count_two_keys", function(e, c) return c:count("page_view", { page_type = "faq", lang = "ja" }) == e.expect end)
rule("did_form_7d", function(e, c) return c:did("form_submit", "7d") == e.expect end)
rule("did_form_5d", function(e, c) return c:did("form_submit", "5d") == e.expect end)
rule("since_faq", function(e, c) return c:since("page_view", { page_type = "faq" }) == e.expect end)
rule("since_webinar", function(e, c) return c:since("webinar") == e.expect end)
rule("contact_fields", function(e, c)
  return c.id == "c-1" and c.stage == "unaware" and c.account == "acme" and c.now == e.expect
end)
rule("event_fields", function(e, c)
  return e.type == "probe" and e.id == "probe-1" and e.expect == 7 and e.props.expect == 7
         and e.missing == nil
end)
rule("bad_window", function(e, c) return c:count("page_view", "a week") end)
rule("unknown_contact_field", function(e, c) return c.industry end)
