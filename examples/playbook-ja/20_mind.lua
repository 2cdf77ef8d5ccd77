-- 行動から気持ちを推し量るルール。
-- 気持ちの強さは 0（兆しなし）から 1（確信）までの数で、時間とともに半減期ごとに半分へ薄れます。

state "anxiety" { half_life = "7d", description = "買うことへの不安（失敗しないか、使いこなせるか）。関心が低いのではない。" }
state "price_worry" { half_life = "7d", description = "気に入っているが、価格で迷っている。" }
state "frustration" { half_life = "7d", description = "私たちの製品の不具合で迷惑をかけた。" }
state "curiosity" { half_life = "14d", description = "課題についてもっと知りたい。" }

infer "faq_visit" {
  on = "page_view",
  where = { page_type = "faq" },
  when = function(e, c) return not c:did("form_submit", "7d") end,
  raise = { anxiety = 0.1 },
  because = "問い合わせずに、FAQ で答えを探した",
}

infer "faq_again_and_again" {
  on = "page_view",
  where = { page_type = "faq" },
  when = function(e, c)
    return c:count("page_view", { page_type = "faq" }, "7d") >= 3
       and not c:did("form_submit", "7d")
  end,
  raise = { anxiety = 0.6 },
  because = "1週間に3回も FAQ を読んだのに、一度も問い合わせていない。関心が低いのではなく、不安が解消されていない",
}

infer "asked_us" {
  on = "form_submit",
  lower = { anxiety = 0.5 },
  because = "直接問い合わせてくれた。不安に答えられる相手ができた",
}

infer "long_look_at_pricing" {
  on = "page_view",
  where = { page_type = "pricing" },
  when = function(e, c) return (e.dwell_s or 0) >= 180 end,
  raise = { price_worry = 0.3 },
  because = "料金ページを3分以上見ていた。費用を計算している",
}

infer "left_the_checkout" {
  on = "checkout_abandoned",
  raise = { price_worry = 0.4 },
  because = "申し込みの支払い手前でやめた。価格か支払い方法で迷っている",
}

infer "hit_a_defect" {
  on = "support_ticket",
  when = function(e, c) return e.category == "defect" end,
  raise = { frustration = 0.6 },
  because = "不具合を報告してきた。私たちの製品が仕事の邪魔をした",
}

infer "defect_fixed" {
  on = "ticket_resolved",
  lower = { frustration = 0.4 },
  because = "サポートが問題を解決した",
}

infer "subscribed" {
  on = "form_submit",
  where = { form = { "newsletter", "whitepaper" } },
  raise = { curiosity = 0.5 },
  because = "メルマガに登録した、または資料をダウンロードした。課題について学びたい",
}

-- 配信停止は履歴（直近 64 件の接点）から探さず、事実として覚えておきます。停止のあとも
-- ページを読み続ける人では、停止の接点がやがて履歴から押し出されるためです。
infer "asked_us_to_stop" {
  on = "unsubscribe",
  set = { unsubscribed = true },
  because = "マーケティングメールの配信停止を求めた",
}
