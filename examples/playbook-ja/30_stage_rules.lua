-- どの行動で段階が進むか。`from` のどれかの段階にいる人だけが `to` へ進みます。

advance "learning_about_the_problem" {
  on = "form_submit",
  where = { form = { "newsletter", "whitepaper" } },
  from = { "未認知" },
  to = "課題認識",
  because = "メルマガ登録や資料ダウンロード。課題を知り、学び始めた",
}

advance "looks_at_the_offer" {
  on = "page_view",
  where = { page_type = { "product", "pricing", "faq", "checkout" } },
  from = { "未認知", "課題認識" },
  to = "情報収集",
  because = "製品・料金・FAQ のページを見ている。解決策を探している",
}

advance "asked_to_talk" {
  on = "form_submit",
  where = { form = { "demo_request", "contact" } },
  from = { "未認知", "課題認識", "情報収集" },
  to = "比較検討",
  because = "デモや問い合わせを申し込んだ。私たちを比較検討している",
}

advance "bought" {
  on = "purchase",
  from = { "未認知", "課題認識", "情報収集", "比較検討" },
  to = "導入",
  because = "契約した。使い始めの数週間が始まる",
}

advance "uses_it_daily" {
  on = "product_usage",
  from = { "導入" },
  to = "活用",
  when = function(e, c) return c:count("product_usage", "30d") >= 5 end,
  because = "1か月に5回使った。仕事の一部になっている",
}
