-- 次の一手：どのコンテンツを、いつ送るか。あるいは誰に何を頼むか。
-- アクションのルールは気持ちだけを読み、クリックそのものは読みません。
-- mind = { anxiety = { at_least = 0.5 } } は「不安が 0.5 以上のとき」。ほかに above（より大きい）、
-- below（未満）、at_most（以下）が使えます。

-- 配信停止した人（20_mind.lua が事実 unsubscribed を立てた人）には、マーケティングのメールを
-- 送りません（エンジンがまだ自動で止めないため、プレイブックで書いておきます）。
local function may_market(c)
  return c.facts.unsubscribed ~= true
end

-- 業種ごとの導入事例。該当がなければ一般向けの事例を送ります。
local case_for_industry = { manufacturing = "case-manufacturing" }

act "apologise" {
  mind = { frustration = { at_least = 0.5 } },
  when = may_market,
  send = { content = "apology", channel = "email", after = "15m" },
  cooldown = "14d",
  priority = 100,
  because = "私たちの製品で迷惑をかけた。ほかの何よりも先に、誠実にお詫びする",
}

act "call_after_the_defect" {
  mind = { frustration = { at_least = 0.5 } },
  task = { role = "customer_success", title = "本日中にお電話を：不具合の原因と修正の見通しをご説明する", after = "1h" },
  cooldown = "7d",
  priority = 100,
  because = "不満を抱えたお客様には、メールだけでなく人の声ですぐに応える",
}

act "reassure_the_worried" {
  stage = { "情報収集", "比較検討" },
  mind = { anxiety = { at_least = 0.5 } },
  when = may_market,
  send = {
    content = function(c) return case_for_industry[c.facts.industry] or "case-general" end,
    channel = "email",
    after = "1h",
  },
  cooldown = "14d",
  priority = 80,
  because = "関心が低いのではなく、不安なのだ。同じ業種で同じ不安を乗り越えたお客様の話が、どんな機能一覧よりも効く",
}

act "offer_a_short_call" {
  stage = { "情報収集", "比較検討" },
  mind = { anxiety = { at_least = 0.5 } },
  when = may_market,
  task = { role = "inside_sales", title = "売り込みなしの15分の電話で、疑問に答えると申し出る", after = "2h" },
  cooldown = "14d",
  priority = 80,
  because = "文字にしにくい不安もある。気軽に聞ける相手を用意する",
}

act "explain_the_pricing" {
  stage = { "情報収集", "比較検討" },
  mind = { price_worry = { at_least = 0.5 } },
  when = may_market,
  send = { content = "pricing-explained", channel = "email", after = "30m" },
  cooldown = "14d",
  priority = 70,
  because = "価格で迷っている。何に支払うのかがはっきりすれば、決めやすくなる",
}

act "teach_the_problem" {
  stage = { "課題認識" },
  mind = { curiosity = { at_least = 0.4 } },
  when = may_market,
  send = { content = "intro-article", channel = "email", after = "1h" },
  cooldown = "30d",
  priority = 30,
  because = "課題について学んでいるところ。売り込みではなく、課題そのものを正直に解説する",
}
