-- このプレイブックのテスト。`nurture test examples/playbook-ja` で実行します。

test "FAQ を何度も読む人には、同じ業種の事例と電話の提案" {
  facts = { industry = "manufacturing" },
  start = "2026-03-02T10:00:00+09:00",
  events = {
    { "page_view", page_type = "faq" },
    { "page_view", after = "1d", page_type = "faq" },
    { "page_view", after = "1d", page_type = "faq" },
  },
  expect = {
    { content = "case-manufacturing", channel = "email", after = "1h" },
    { task = "inside_sales", after = "2h" },
  },
  expect_stage = "情報収集",
  expect_mind = { anxiety = { at_least = 0.5 } },
}

test "問い合わせてくれた人は、不安な読者として扱わない" {
  facts = { industry = "manufacturing" },
  events = {
    { "page_view", page_type = "faq" },
    { "form_submit", after = "1h", form = "contact" },
    { "page_view", after = "1d", page_type = "faq" },
    { "page_view", after = "1d", page_type = "faq" },
  },
  expect_no = { { content = "case-manufacturing" }, { task = "inside_sales" } },
  expect_stage = "比較検討",
}

test "申し込みを途中でやめた人には料金の解説" {
  events = {
    { "page_view", page_type = "pricing", dwell_s = 200, device = "mobile" },
    { "checkout_abandoned", after = "1h", device = "mobile" },
  },
  expect = { { content = "pricing-explained", after = "30m" } },
}

test "料金ページを一度ちらりと見ただけでは何も送らない" {
  events = { { "page_view", page_type = "pricing", dwell_s = 30 } },
  expect_none = true,
}

test "不具合の報告には、お詫びとカスタマーサクセスからの電話" {
  events = {
    { "purchase", plan = "team" },
    { "support_ticket", after = "5d", category = "defect" },
  },
  expect = {
    { content = "apology", after = "15m" },
    { task = "customer_success", after = "1h" },
  },
  expect_stage = "導入",
}

test "使い方の質問は不具合ではない" {
  events = {
    { "purchase", plan = "team" },
    { "support_ticket", after = "5d", category = "question" },
  },
  expect_no = { { content = "apology" } },
}

test "配信停止した人には、不安そうでもメールを送らない" {
  events = {
    { "unsubscribe" },
    { "page_view", after = "1d", page_type = "faq" },
    { "page_view", after = "1d", page_type = "faq" },
    { "page_view", after = "1d", page_type = "faq" },
  },
  expect_none = true,
}

test "事例は14日以内に二度は送らない" {
  events = {
    { "page_view", page_type = "faq" },
    { "page_view", after = "1d", page_type = "faq" },
    { "page_view", after = "1d", page_type = "faq" },
    { "page_view", after = "3d", page_type = "faq" },
  },
  expect = { { content = "case-general" } },
  expect_no = { { content = "case-general", after = "1h" } },
}
